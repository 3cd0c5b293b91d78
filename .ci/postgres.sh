# Throwaway PostgreSQL server for the test suite. Source it from bash, then:
#
#   postgres_start   # installs PostgreSQL if missing, starts a server, exports
#                    # PYFACTORY_TEST_POSTGRES_URL and stops it again on exit
#
# The server lives in a temporary directory, listens on 127.0.0.1 only, on a
# free port, trusts every loopback connection and is thrown away afterwards:
# the tests get a real PostgreSQL without touching any cluster the machine
# already has (or the one Debian's package would create).

# Where pg_ctl, initdb and postgres live: PATH first (a symlink is followed to
# the real directory, so createdb is found beside them), then Debian's
# versioned directories, newest first. Prints nothing if there is none.
postgres_find_bindir() {
    local dir candidates=()
    if command -v pg_ctl >/dev/null; then
        candidates+=("$(dirname "$(readlink -f "$(command -v pg_ctl)")")")
    fi
    # The glob stays literal when nothing matches; the -x test below skips it.
    mapfile -t -O "${#candidates[@]}" candidates < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r)
    for dir in "${candidates[@]}"; do
        if [[ -x $dir/pg_ctl && -x $dir/initdb && -x $dir/postgres && -x $dir/createdb ]]; then
            printf '%s\n' "$dir"
            return
        fi
    done
}

# Install the server from the distribution's packages. Debian's package would
# also create and start a "main" cluster on port 5432, which nothing here uses:
# a createcluster.d drop-in tells postgresql-common not to create it.
postgres_install() {
    if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
        echo "PostgreSQL server binaries not found; install PostgreSQL (pg_ctl, initdb, postgres) and rerun." >&2
        return 1
    fi
    echo "PostgreSQL server binaries not found: installing them with apt-get." >&2
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/pyfactory-ci.conf
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends postgresql
}

# Run a command as the server's owner. PostgreSQL refuses to run as root, so
# root hands the work to an unprivileged account: "postgres" (which Debian's
# package creates) if it exists, else a dedicated system user.
postgres_as_owner() {
    if [[ $EUID -eq 0 ]]; then
        # From the temporary directory: the owner may not be allowed into the
        # caller's working directory (under /root, say), which initdb minds.
        (cd "$PG_TMPDIR" && runuser -u "$PG_OWNER" -- "$@")
    else
        "$@"
    fi
}

postgres_start() {
    local bindir port
    bindir=$(postgres_find_bindir)
    if [[ -z $bindir ]]; then
        postgres_install
        bindir=$(postgres_find_bindir)
        [[ -n $bindir ]] || { echo "PostgreSQL installed, but pg_ctl/initdb/postgres are still not found." >&2; return 1; }
    fi

    PG_OWNER=$(id -un)
    if [[ $EUID -eq 0 ]]; then
        PG_OWNER=postgres
        if ! id -u "$PG_OWNER" >/dev/null 2>&1; then
            PG_OWNER=pyfactory
            id -u "$PG_OWNER" >/dev/null 2>&1 ||
                useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_OWNER"
        fi
    fi

    PG_TMPDIR=$(mktemp -d -t pyfactory-pg.XXXXXX)
    PG_CTL=$bindir/pg_ctl
    # Stop and clean up however the caller ends: success, failed tests, set -e,
    # or Ctrl-C/kill (turned into an exit so that the EXIT trap runs).
    trap postgres_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    [[ $EUID -ne 0 ]] || chown "$PG_OWNER" "$PG_TMPDIR"

    # Trust every connection: the server only listens on loopback and its Unix
    # socket sits in the private temporary directory. Superuser "pyfactory"
    # whatever the owner's name, so the URL is always the same shape.
    postgres_as_owner "$bindir/initdb" --pgdata="$PG_TMPDIR/data" --username=pyfactory \
        --auth=trust --encoding=UTF8 --locale=C --no-sync >"$PG_TMPDIR/initdb.log" ||
        { cat "$PG_TMPDIR/initdb.log" >&2; return 1; }

    # A free port, asked of the kernel. Another process could take it before
    # the server binds it; then the start fails loudly, it never hits a
    # stranger's server.
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

    # Durability is worthless for a throwaway cluster and fsync dominates the
    # cost of the CREATE/DROP DATABASE that every PostgreSQL test does.
    cat >>"$PG_TMPDIR/data/postgresql.conf" <<EOF

# Added by .ci/postgres.sh for the test suite
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_TMPDIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

    postgres_as_owner "$PG_CTL" --pgdata="$PG_TMPDIR/data" --log="$PG_TMPDIR/server.log" \
        --wait --timeout=60 --silent start ||
        { cat "$PG_TMPDIR/server.log" >&2; return 1; }

    "$bindir/createdb" --host=127.0.0.1 --port="$port" --username=pyfactory pyfactory_test
    export PYFACTORY_TEST_POSTGRES_URL="postgresql://pyfactory@127.0.0.1:$port/pyfactory_test"
    echo "$("$bindir/postgres" --version) for the tests at $PYFACTORY_TEST_POSTGRES_URL (data in $PG_TMPDIR)" >&2
}

# The EXIT trap: stop the server, delete its directory, and leave the exit
# status of whatever ran before (the test run) untouched.
postgres_stop() {
    local status=$?
    if [[ -n ${PG_TMPDIR:-} && -d $PG_TMPDIR ]]; then
        if [[ -f $PG_TMPDIR/data/postmaster.pid ]]; then
            postgres_as_owner "$PG_CTL" --pgdata="$PG_TMPDIR/data" --mode=fast --wait --silent stop ||
                echo "warning: could not stop the test PostgreSQL server in $PG_TMPDIR" >&2
        fi
        rm -rf "$PG_TMPDIR"
    fi
    exit "$status"
}
