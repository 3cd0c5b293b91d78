"""Faker methods of a few common shapes, recognized from their source.

Most of Faker's locale providers override a method with one line of a handful of
shapes::

    return self.random_element(self.cities)
    pattern = self.random_element(self.formats); return self.generator.parse(pattern)
    return self.numerify(self.random_element(self.secondary_address_formats))
    return self.bothify(self.random_element(self.postcode_formats)).upper()
    return self.first_name_pair()[0]
    return "%03d-%04d" % (self.generator.random.randint(0, 999), ...)

Reading the method's syntax tree and matching those shapes exactly compiles them all
without a hand-written compiler per locale (Faker has about a hundred). Anything else
-- a condition, a loop, a parameter, an unknown call -- is not recognized, and the
provider keeps calling Faker. Faker's own decorators (``lowercase``, ``slugify``, ...)
are applied to the compiled values.
"""

from __future__ import annotations

import ast
import inspect
import operator
import string
import textwrap
from collections.abc import Callable
from functools import cache, partial
from math import log2
from typing import TYPE_CHECKING, Any

from pyfactory._stream import GAMMA, MASK, mix
from pyfactory.providers._gen import BUDGET, Func, Gen, OneOf
from pyfactory.providers._pattern import pattern

if TYPE_CHECKING:
    from pyfactory.providers._compile import Call

__all__ = ["recognize"]

Compiler = Callable[["Call"], "Gen | None"]

_PATTERN_METHODS = {
    "numerify": {"digits": True},
    "lexify": {"digits": False, "letters": string.ascii_letters},
    "bothify": {"digits": True, "letters": string.ascii_letters},
    "hexify": {"digits": False, "hexdigits": "0123456789abcdef"},
}
_STRING_METHODS: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "lower": str.lower,
    "title": str.title,
}


def recognize(function: Callable[..., Any]) -> Compiler | None:
    """A compiler for ``function`` when its body has one of the shapes above, else
    None."""
    try:
        return _recognize(function)
    except TypeError:  # an unhashable function object: not one of Faker's
        return None


@cache
def _recognize(function: Callable[..., Any]) -> Compiler | None:
    inner = inspect.unwrap(function)
    try:
        source = textwrap.dedent(inspect.getsource(inner))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        return None
    node = tree.body[0]
    posts = _decorators(node, inner)
    if posts is None or _has_parameters(node):
        return None
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    env: dict[str, ast.expr] = {}
    for statement in body[:-1]:
        target, value = _assignment(statement)
        if target is None or value is None:
            return None
        env[target] = value
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        return None
    returned = body[-1].value

    def compile_call(call: Call) -> Gen | None:
        if not call.no_arguments():
            return None
        gen = _expr(returned, env, call)
        if gen is None:
            return None
        for post in posts:
            gen = gen.mapped(post)
        return gen

    return compile_call


def _has_parameters(node: ast.FunctionDef) -> bool:
    arguments = node.args
    return bool(
        len(arguments.args) != 1
        or arguments.posonlyargs
        or arguments.kwonlyargs
        or arguments.vararg
        or arguments.kwarg
    )


def _decorators(
    node: ast.FunctionDef, inner: Callable[..., Any]
) -> list[Callable[[Any], Any]] | None:
    """What Faker's decorators on the method do to its value, innermost first; None
    for a decorator that is not one of Faker's string decorators."""
    from faker.utils import decorators, text

    known: dict[str, Callable[[Any], Any]] = {
        "lowercase": str.lower,
        "slugify": text.slugify,
        "slugify_unicode": partial(text.slugify, allow_unicode=True),
        "slugify_domain": partial(text.slugify, allow_dots=True),
    }
    module_globals = getattr(inner, "__globals__", {})
    posts: list[Callable[[Any], Any]] = []
    for decorator in reversed(node.decorator_list):
        if not isinstance(decorator, ast.Name) or decorator.id not in known:
            return None
        if module_globals.get(decorator.id) is not getattr(decorators, decorator.id):
            return None
        posts.append(known[decorator.id])
    return posts


def _assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return None, None


def _self_attribute(node: ast.expr, *path: str) -> str | None:
    """``name`` when ``node`` is ``self.<path...>.<name>``."""
    chain: list[str] = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id != "self":
        return None
    chain.reverse()
    if len(chain) != len(path) + 1 or tuple(chain[:-1]) != path:
        return None
    return chain[-1]


def _method_call(node: ast.expr, *path: str) -> tuple[str, list[ast.expr]] | None:
    """(method name, positional arguments) of ``self.<path...>.<method>(...)`` without
    keyword arguments."""
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    name = _self_attribute(node.func, *path)
    return None if name is None else (name, list(node.args))


def _resolve(node: ast.expr, env: dict[str, ast.expr]) -> ast.expr:
    while isinstance(node, ast.Name) and node.id in env:
        node = env.pop(node.id)  # each local is used once in these shapes
    return node


def _elements_of(node: ast.expr, env: dict[str, ast.expr], call: Call) -> Any:
    """The data ``random_element`` is given: ``self.<attribute>`` or a literal."""
    node = _resolve(node, env)
    attribute = _self_attribute(node)
    if attribute is not None:
        return call.data(attribute) if call.has(attribute) else None
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _expr(node: ast.expr, env: dict[str, ast.expr], call: Call) -> Gen | None:
    env = dict(env)
    node = _resolve(node, env)
    found = _method_call(node)
    if found is not None:
        name, args = found
        if name == "random_element" and len(args) == 1:
            elements = _elements_of(args[0], env, call)
            return None if elements is None else call.elements(elements)
        if name in _PATTERN_METHODS and len(args) == 1:
            return _pattern_of(name, args[0], env, call)
        if name == "random_int" and len(args) == 2:
            return _randint(args)
        literals = _literals(args)
        return None if literals is None else call.method(name, *literals)
    found = _method_call(node, "generator")
    if found is not None:
        name, args = found
        if name == "format" and len(args) == 1 and isinstance(args[0], ast.Constant):
            return call.token(args[0].value) if isinstance(args[0].value, str) else None
        if name == "parse" and len(args) == 1:
            return _parse(args[0], env, call)
        return None
    found = _method_call(node, "generator", "random")
    if found is not None and found[0] == "randint" and len(found[1]) == 2:
        return _randint(found[1])
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        index = node.slice.value
        inner = _expr(node.value, env, call)
        if inner is None or not isinstance(index, int):
            return None
        return inner.mapped(operator.itemgetter(index))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _STRING_METHODS
        and not node.args
        and not node.keywords
    ):
        inner = _expr(node.func.value, env, call)
        fn = _STRING_METHODS[node.func.attr]
        if inner is None:
            return None
        piecewise = inner.leafwise(fn) if fn is not str.title else None
        return piecewise or inner.mapped(fn)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _printf(node, env, call)
    return None


def _literals(nodes: list[ast.expr]) -> list[Any] | None:
    """The values of literal arguments (``self.date("%Y")``), or None."""
    try:
        return [ast.literal_eval(node) for node in nodes]
    except ValueError:
        return None


def _parse(
    node: ast.expr, env: dict[str, ast.expr], call: Call, then: str | None = None
) -> Gen | None:
    node = _resolve(node, env)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return call.template(node.value, then=then)
    found = _method_call(node)
    if found is not None and found[0] == "random_element" and len(found[1]) == 1:
        elements = _elements_of(found[1][0], env, call)
        return None if elements is None else call.formats(elements, then=then)
    return None


def _pattern_of(method: str, node: ast.expr, env: dict[str, ast.expr], call: Call) -> Gen | None:
    """``self.numerify(...)`` and its kin, of an element, a parsed format or a text."""
    options = _PATTERN_METHODS[method]
    node = _resolve(node, env)
    text = node.value if isinstance(node, ast.Constant) else _elements_of(node, env, call)
    if isinstance(text, str):
        return pattern(text, **options)  # type: ignore[arg-type]
    parsed = _method_call(node, "generator")
    if parsed is not None and parsed[0] == "parse" and len(parsed[1]) == 1:
        if method not in ("numerify", "bothify"):
            return None
        return _parse(parsed[1][0], env, call, then=method)
    found = _method_call(node)
    if found is None or found[0] != "random_element" or len(found[1]) != 1:
        return None
    elements = _elements_of(found[1][0], env, call)
    table = None if elements is None else call.session.table(call.provider, elements)
    if table is None:
        return None
    entries, weights = table
    if not all(isinstance(e, str) for e in entries):
        return None
    compiled = {e: pattern(e, **options) for e in dict.fromkeys(entries)}  # type: ignore[arg-type]
    if len(compiled) == 1:
        return next(iter(compiled.values()))
    return OneOf([compiled[e] for e in entries], weights)


def _randint(args: list[ast.expr]) -> Gen | None:
    """``randint(low, high)`` of two literal numbers."""
    try:
        low, high = (ast.literal_eval(a) for a in args)
    except ValueError:
        return None
    if not isinstance(low, int) or not isinstance(high, int) or high < low:
        return None
    span = high - low + 1

    def split(r: int) -> tuple[int, int]:
        x = r * span
        return low + (x >> 64), x & MASK

    return Func(
        lambda r: low + ((r * span) >> 64),
        split=split,
        bits=log2(span),
        size=span,
        values=lambda: list(range(low, high + 1)),
    )


def _printf(node: ast.BinOp, env: dict[str, ast.expr], call: Call) -> Gen | None:
    """``"%03d-%04d" % (randint(...), ...)``: a format of drawn numbers."""
    if not isinstance(node.left, ast.Constant) or not isinstance(node.left.value, str):
        return None
    fmt = node.left.value
    operands = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
    gens = [_expr(operand, env, call) for operand in operands]
    if any(g is None for g in gens):
        return None
    sizes = [g.size() for g in gens if g is not None]
    size = None if any(s is None for s in sizes) else _product(sizes)
    splits = tuple(g.split for g in gens if g is not None)
    if len(gens) == 1 and gens[0] is not None:
        only = gens[0].draw

        def draw(r: int) -> str:
            return fmt % (only(r),)

    elif all(s is not None for s in splits) and sum(g.bits for g in gens if g) <= BUDGET:
        # The numbers fit in one word: chained, as a template's parts.
        def draw(r: int) -> str:
            values = []
            for s in splits:
                value, r = s(r)  # type: ignore[misc]
                values.append(value)
            return fmt % tuple(values)

    else:
        draws = tuple(g.draw for g in gens if g is not None)

        def draw(r: int) -> str:
            return fmt % tuple(
                d(mix((r + i * GAMMA) & MASK)) if i else d(r) for i, d in enumerate(draws)
            )

    try:
        draw(0)
    except (TypeError, ValueError):
        return None
    return Func(draw, size=size)


def _product(sizes: list[int | None]) -> int:
    total = 1
    for size in sizes:
        total *= size or 1
    return total
