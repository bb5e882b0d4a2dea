"""AST rewrite that routes risky operations through the run-time guards.

Run after :func:`.policy.check_tree`, so every name the rewrite introduces
(``_sbx_*``) is one user code cannot spell.  What is rewritten and why:

* ``a.b``               -> ``_sbx_attr(a, "b")``: attribute whitelist by exact type.
* ``a <op> b``, ``x <op>= y`` -> size checks before ``*``, ``**``, ``<<``, ``+``, ``%``.
* ``x[a:b]``            -> ``_sbx_slice``: copies are charged to the memory budget.
* ``for`` / comprehensions iterate through ``_sbx_iter``; ``while`` bodies,
  function bodies and lambdas call ``_sbx_tick``: each pass costs the number of
  syntax nodes it runs, so loops, recursion and the memory built per pass are bounded.
* ``*x`` / ``**x`` unpacking -> ``_sbx_unpack``: charged by size.
* f-string fields -> ``_sbx_format``: width/precision and output size checked.
"""

from __future__ import annotations

import ast
from typing import TypeVar

_Node = TypeVar("_Node", bound=ast.AST)


def _name(identifier: str) -> ast.Name:
    return ast.Name(id=identifier, ctx=ast.Load())


def _call(guard: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_name(guard), args=list(args), keywords=[])


def _const(value: str | int | None) -> ast.Constant:
    return ast.Constant(value=value)


def _weight(*nodes: ast.AST | None) -> int:
    """Cost of one pass: the syntax nodes it may execute (at least 1)."""
    return 1 + sum(sum(1 for _ in ast.walk(node)) for node in nodes if node is not None)


def _tick(weight: int) -> ast.Expr:
    return ast.Expr(value=_call("_sbx_tick", _const(weight)))


class GuardInjector(ast.NodeTransformer):
    """Rewrite a policy-checked tree; locations are copied onto new nodes."""

    def _replace(self, old: ast.AST, new: _Node) -> _Node:
        return ast.copy_location(new, old)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        return self._replace(node, _call("_sbx_attr", node.value, _const(node.attr)))

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        op = type(node.op).__name__
        return self._replace(node, _call("_sbx_binop", _const(op), node.left, node.right))

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        op = _const(type(node.op).__name__)
        target = node.target
        if isinstance(target, ast.Name):
            current = _name(target.id)
            value = _call("_sbx_inplace", op, current, node.value)
            return self._replace(node, ast.Assign(targets=[target], value=value))
        assert isinstance(target, ast.Subscript)  # policy allows only these two
        call = _call("_sbx_inplace_item", target.value, target.slice, op, node.value)
        return self._replace(node, ast.Expr(value=call))

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        piece = node.slice
        if not isinstance(piece, ast.Slice):
            return node
        parts = (piece.lower, piece.upper, piece.step)
        bounds = [part if part is not None else _const(None) for part in parts]
        return self._replace(node, _call("_sbx_slice", node.value, *bounds))

    def visit_For(self, node: ast.For) -> ast.AST:
        weight = _weight(*node.body)
        self.generic_visit(node)
        node.iter = self._replace(node.iter, _call("_sbx_iter", node.iter, _const(weight)))
        return node

    def visit_While(self, node: ast.While) -> ast.AST:
        weight = _weight(node.test, *node.body)
        self.generic_visit(node)
        node.body.insert(0, self._replace(node, _tick(weight)))
        return node

    def _visit_comprehension(self, node: ast.AST, *parts: ast.expr) -> ast.AST:
        generators: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        weight = _weight(*parts, *(cond for gen in generators for cond in gen.ifs))
        self.generic_visit(node)
        for gen in generators:
            gen.iter = self._replace(gen.iter, _call("_sbx_iter", gen.iter, _const(weight)))
        return node

    def visit_ListComp(self, node: ast.ListComp) -> ast.AST:
        return self._visit_comprehension(node, node.elt)

    def visit_SetComp(self, node: ast.SetComp) -> ast.AST:
        return self._visit_comprehension(node, node.elt)

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> ast.AST:
        return self._visit_comprehension(node, node.elt)

    def visit_DictComp(self, node: ast.DictComp) -> ast.AST:
        return self._visit_comprehension(node, node.key, node.value)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        weight = _weight(*node.body)
        self.generic_visit(node)
        node.body.insert(0, self._replace(node, _tick(weight)))
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        weight = _weight(node.body)
        self.generic_visit(node)
        # _sbx_tick returns None, so "tick() or body" evaluates to body.
        ticked = ast.BoolOp(op=ast.Or(), values=[_call("_sbx_tick", _const(weight)), node.body])
        node.body = self._replace(node.body, ticked)
        return node

    def visit_Starred(self, node: ast.Starred) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):
            node.value = self._replace(node.value, _call("_sbx_unpack", node.value))
        return node

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        self.generic_visit(node)
        node.values = [
            self._replace(value, _call("_sbx_unpack", value)) if key is None else value
            for key, value in zip(node.keys, node.values, strict=True)
        ]
        return node

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        self.generic_visit(node)
        if node.arg is None:
            node.value = self._replace(node.value, _call("_sbx_unpack", node.value))
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        self.generic_visit(node)
        spec: ast.expr = node.format_spec if node.format_spec is not None else _const("")
        call = _call("_sbx_format", node.value, _const(node.conversion), spec)
        return self._replace(node, ast.FormattedValue(value=call, conversion=-1, format_spec=None))


def inject_guards(tree: _Node) -> _Node:
    """Return the rewritten tree with locations filled in for compile()."""
    return ast.fix_missing_locations(GuardInjector().visit(tree))
