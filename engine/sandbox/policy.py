"""Static policy: which Python a BPMN script or expression may contain.

A whitelist of AST node types plus rules on names and attributes.  This is the
first of two walls: :mod:`.guards` checks attribute access again at run time by
the receiver's exact type, so a name that slips past here still reaches nothing.
"""

from __future__ import annotations

import ast

from .errors import SandboxError

MAX_SOURCE_CHARS = 50_000
MAX_NODES = 20_000

_ALLOWED_NODES: frozenset[type[ast.AST]] = frozenset(
    {
        # roots and statements
        ast.Module,
        ast.Expression,
        ast.Expr,
        ast.Assign,
        ast.AugAssign,
        ast.If,
        ast.For,
        ast.While,
        ast.Break,
        ast.Continue,
        ast.Pass,
        ast.Return,
        ast.Assert,
        ast.Delete,
        ast.FunctionDef,
        # expressions
        ast.BoolOp,
        ast.BinOp,
        ast.UnaryOp,
        ast.Compare,
        ast.IfExp,
        ast.Call,
        ast.keyword,
        ast.Constant,
        ast.Name,
        ast.Attribute,
        ast.Subscript,
        ast.Slice,
        ast.Starred,
        ast.List,
        ast.Tuple,
        ast.Dict,
        ast.Set,
        ast.ListComp,
        ast.SetComp,
        ast.DictComp,
        ast.GeneratorExp,
        ast.comprehension,
        ast.Lambda,
        ast.arguments,
        ast.arg,
        ast.JoinedStr,
        ast.FormattedValue,
        ast.NamedExpr,
        # contexts and operators
        ast.Load,
        ast.Store,
        ast.Del,
        ast.And,
        ast.Or,
        ast.Not,
        ast.Invert,
        ast.UAdd,
        ast.USub,
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.Div,
        ast.FloorDiv,
        ast.Mod,
        ast.Pow,
        ast.LShift,
        ast.RShift,
        ast.BitOr,
        ast.BitXor,
        ast.BitAnd,
        ast.MatMult,
        ast.Eq,
        ast.NotEq,
        ast.Lt,
        ast.LtE,
        ast.Gt,
        ast.GtE,
        ast.Is,
        ast.IsNot,
        ast.In,
        ast.NotIn,
    }
)

# Friendly names for the statements people most often try.
_NODE_LABELS: dict[type[ast.AST], str] = {
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.ClassDef: "class definitions",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.With: "with",
    ast.AsyncWith: "async with",
    ast.Try: "try/except",
    ast.TryStar: "try/except*",
    ast.Raise: "raise",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
    ast.Await: "await",
    ast.AsyncFunctionDef: "async def",
    ast.AsyncFor: "async for",
    ast.Match: "match",
    ast.AnnAssign: "annotations",
}

# Attribute names that are not underscore-prefixed but still open frames, code
# objects or the class hierarchy, or walk attributes inside a format string.
_DENIED_ATTRIBUTES = frozenset(
    {
        "format",
        "format_map",
        "mro",
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "gi_running",
        "cr_frame",
        "cr_code",
        "cr_await",
        "cr_origin",
        "ag_frame",
        "ag_code",
        "ag_await",
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_code",
        "f_trace",
        "tb_frame",
        "tb_next",
        "func_globals",
        "func_code",
        "func_closure",
        "im_func",
        "im_self",
        "co_code",
        "maketrans",
        "translate",
        "fromkeys",
        "encode",
        "decode",
        "expandtabs",
    }
)

_ALLOWED_CONSTANTS = (str, int, float, bool, type(None))


def check_tree(tree: ast.AST) -> None:
    """Raise SandboxError for the first construct the policy forbids."""
    for count, node in enumerate(ast.walk(tree), start=1):
        if count > MAX_NODES:
            raise SandboxError(f"The code is too long (more than {MAX_NODES:,} syntax nodes)")
        _check_node(node)


def _check_node(node: ast.AST) -> None:
    kind = type(node)
    if kind not in _ALLOWED_NODES:
        label = _NODE_LABELS.get(kind, kind.__name__)
        raise SandboxError(f"{_where(node)}'{label}' is not allowed in BPMN code")
    checker = _CHECKERS.get(kind)
    if checker is not None:
        checker(node)


def _where(node: ast.AST) -> str:
    line = getattr(node, "lineno", None)
    return f"Line {line}: " if line else ""


def _check_name(node: ast.AST) -> None:
    assert isinstance(node, ast.Name)
    _check_identifier(node, node.id, "name")


def _check_identifier(node: ast.AST, name: str, what: str) -> None:
    # A lone "_" is the usual throw-away variable; any other leading underscore
    # is the road to dunders and to the sandbox's own guard names.
    if name.startswith("_") and name != "_":
        raise SandboxError(
            f"{_where(node)}the {what} '{name}' is not allowed (names must not start with '_')"
        )


def _check_attribute(node: ast.AST) -> None:
    assert isinstance(node, ast.Attribute)
    name = node.attr
    if name.startswith("_") or name in _DENIED_ATTRIBUTES:
        raise SandboxError(f"{_where(node)}the attribute '{name}' is not allowed")
    if not isinstance(node.ctx, ast.Load):
        raise SandboxError(
            f"{_where(node)}assigning or deleting the attribute '{name}' is not allowed"
        )


def _check_constant(node: ast.AST) -> None:
    assert isinstance(node, ast.Constant)
    if not isinstance(node.value, _ALLOWED_CONSTANTS):
        kind = type(node.value).__name__
        raise SandboxError(f"{_where(node)}constants of type {kind} are not allowed")


def _check_subscript(node: ast.AST) -> None:
    assert isinstance(node, ast.Subscript)
    # Slice assignment can grow a list in place (x[:0] = x) outside the guards.
    if isinstance(node.slice, ast.Slice) and not isinstance(node.ctx, ast.Load):
        raise SandboxError(f"{_where(node)}assigning or deleting a slice is not allowed")


def _check_aug_assign(node: ast.AST) -> None:
    assert isinstance(node, ast.AugAssign)
    if not isinstance(node.target, (ast.Name, ast.Subscript)):
        raise SandboxError(f"{_where(node)}this augmented assignment target is not allowed")


def _check_function(node: ast.AST) -> None:
    assert isinstance(node, ast.FunctionDef)
    _check_identifier(node, node.name, "function name")
    if node.decorator_list:
        raise SandboxError(f"{_where(node)}decorators are not allowed")
    if node.returns is not None:
        raise SandboxError(f"{_where(node)}annotations are not allowed")


def _check_arg(node: ast.AST) -> None:
    assert isinstance(node, ast.arg)
    _check_identifier(node, node.arg, "parameter")
    if node.annotation is not None:
        raise SandboxError(f"{_where(node)}annotations are not allowed")


def _check_keyword(node: ast.AST) -> None:
    assert isinstance(node, ast.keyword)
    if node.arg is not None:
        _check_identifier(node, node.arg, "keyword argument")


def _check_comprehension(node: ast.AST) -> None:
    assert isinstance(node, ast.comprehension)
    if node.is_async:
        raise SandboxError(f"{_where(node.target)}'async for' is not allowed in BPMN code")


_CHECKERS = {
    ast.Name: _check_name,
    ast.Attribute: _check_attribute,
    ast.Constant: _check_constant,
    ast.Subscript: _check_subscript,
    ast.AugAssign: _check_aug_assign,
    ast.FunctionDef: _check_function,
    ast.arg: _check_arg,
    ast.keyword: _check_keyword,
    ast.comprehension: _check_comprehension,
}
