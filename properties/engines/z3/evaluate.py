"""Z3 formulas evaluated on concrete values, in Python.

The refinement checks (`vmspec.properties.engines.z3.refinement`) need the formulas the
solvers are given, evaluated on tens of thousands of model states.  `z3.simplify` or a
model evaluation per state is slow, so the terms are compiled once into one Python
function: Z3 prints each term (`sexpr`, with `let` for shared subterms), the text is read
back here, and every distinct closed subterm becomes one local of straight-line code;
`and`/`or` are Python's, and a quantifier is a loop over a finite domain.  What is
evaluated is therefore the Z3 term itself, not the Python code that built it.

Free constants (`s.v0.status`, `h0`, `dt`) are read from a mapping of names to values;
uninterpreted functions (`status`, `res`) from a mapping of names to Python callables;
an element of an uninterpreted sort is whatever those callables accept and return (the
refinement checks use indices).  A quantifier over a sort ranges over `domains[sort]`;
over the integers, `domains["Int"]`, which the caller chooses wide enough for the formula
at hand (the rounds of an EventId, for the all-sizes encoding).  Values of enumeration
sorts are their names (`enums`).  Any other operator raises `Unsupported`, so nothing is
evaluated by guesswork.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import z3


class Unsupported(ValueError):
    """A Z3 operator or token this evaluator does not interpret."""


_TOKEN = re.compile(r"\s*(?:(\()|(\))|(\|[^|]*\|)|([^\s()|]+))")
_INFIX = {"=": "==", "<=": "<=", "<": "<", ">=": ">=", ">": ">", "+": "+", "*": "*"}
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def _tokens(text: str) -> list:
    out: list = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip():
                raise Unsupported(f"cannot read {text[pos:pos + 40]!r}")
            break
        pos = m.end()
        if m.group(1):
            out.append("(")
        elif m.group(2):
            out.append(")")
        else:
            out.append(m.group(3) or m.group(4))
    return out


def _tree(tokens: list) -> Any:
    """Nested lists of symbols from the tokens of one S-expression."""
    stack: list[list] = [[]]
    for tok in tokens:
        if tok == "(":
            stack.append([])
        elif tok == ")":
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(tok)
    if len(stack) != 1 or len(stack[0]) != 1:
        raise Unsupported("unbalanced S-expression")
    return stack[0][0]


class _Compiler:
    """Hash-consed nodes (tag, payload, children ids), then Python source for them."""

    def __init__(self, enums: Iterable[str]) -> None:
        self.enums = set(enums)
        self.nodes: list[tuple] = []
        self.index: dict[tuple, int] = {}
        self.closed: list[bool] = []
        self.consts: dict[str, str] = {}
        self.funcs: dict[str, str] = {}
        self.lines: list[str] = []
        self.locals: dict[int, str] = {}
        self.loops = 0

    def node(self, tag: str, payload: object, children: tuple[int, ...] = ()) -> int:
        key = (tag, payload, children)
        k = self.index.get(key)
        if k is None:
            k = self.index[key] = len(self.nodes)
            self.nodes.append(key)
            if tag == "quant":
                closed = bool(payload[2])  # type: ignore[index]
            else:
                closed = tag != "var" and all(self.closed[c] for c in children)
            self.closed.append(closed)
        return k

    # ------------------------------------------------------------ reading

    def read(self, x: Any, env: dict[str, int]) -> int:
        if isinstance(x, str):
            return self.symbol(x, env)
        if not x:
            raise Unsupported("empty application")
        head = x[0]
        if head == "let":
            inner = dict(env)
            for name, value in x[1]:
                inner[_unquote(name)] = self.read(value, env)
            return self.read(x[2], inner)
        if head in ("forall", "exists"):
            inner = dict(env)
            binders = []
            for name, sort in x[1]:
                self.loops += 1
                py = f"x{self.loops}"
                inner[_unquote(name)] = self.node("var", py)
                binders.append((py, _unquote(sort)))
            body = self.read(x[2], inner)
            bound = {self.nodes[inner[_unquote(name)]][1] for name, _ in x[1]}
            closed = not (self.free_of(body) - bound)
            return self.node("quant", (head, tuple(binders), closed), (body,))
        if head == "/" and len(x) == 3 and all(isinstance(a, str) and _NUMBER.match(a) for a in x[1:]):
            return self.node("num", Fraction(x[1]) / Fraction(x[2]))
        if not isinstance(head, str):
            raise Unsupported(f"application of {head}")
        args = tuple(self.read(a, env) for a in x[1:])
        return self.node("app", _unquote(head), args)

    def free_of(self, k: int) -> set[str]:
        """Loop variables occurring free in node `k`."""
        tag, payload, children = self.nodes[k]
        if self.closed[k]:
            return set()
        if tag == "var":
            return {payload}  # type: ignore[arg-type]
        out: set[str] = set()
        for c in children:
            out |= self.free_of(c)
        if tag == "quant":
            out -= {py for py, _ in payload[1]}  # type: ignore[index]
        return out

    def symbol(self, tok: str, env: dict[str, int]) -> int:
        name = _unquote(tok)
        if name in env:
            return env[name]
        if tok in ("true", "false"):
            return self.node("lit", tok == "true")
        if _NUMBER.match(tok):
            f = Fraction(tok)
            return self.node("lit", int(f) if f.denominator == 1 else f)
        if name in self.enums:
            return self.node("lit", name)
        return self.node("const", name)

    # ------------------------------------------------------------ writing

    def code(self, k: int) -> str:
        if self.closed[k]:
            local = self.locals.get(k)
            if local is None:
                text = self.build(k)
                local = self.locals[k] = f"t{len(self.locals)}"
                self.lines.append(f"    {local} = {text}")
            return local
        return self.build(k)

    def build(self, k: int) -> str:
        tag, payload, children = self.nodes[k]
        if tag == "lit":
            return f"F({payload.numerator}, {payload.denominator})" if isinstance(payload, Fraction) else repr(payload)
        if tag == "num":
            return f"F({payload.numerator}, {payload.denominator})"  # type: ignore[union-attr]
        if tag == "var":
            return payload  # type: ignore[return-value]
        if tag == "const":
            return self.consts.setdefault(payload, f"c{len(self.consts)}")  # type: ignore[arg-type]
        if tag == "quant":
            kind, binders, _ = payload  # type: ignore[misc]
            loops = " ".join(f"for {py} in D[{sort!r}]" for py, sort in binders)
            return f"{'all' if kind == 'forall' else 'any'}({self.code(children[0])} {loops})"
        args = [self.code(c) for c in children]
        op = payload
        if op == "and":
            return "(" + " and ".join(args) + ")" if args else "True"
        if op == "or":
            return "(" + " or ".join(args) + ")" if args else "False"
        if op == "not":
            return f"(not {args[0]})"
        if op == "=>":
            return f"(not {args[0]} or {args[1]})"
        if op == "ite":
            return f"({args[1]} if {args[0]} else {args[2]})"
        if op == "=" and len(args) > 2:
            return "(" + " and ".join(f"{a} == {b}" for a, b in zip(args, args[1:])) + ")"
        if op == "distinct":
            return "(" + " and ".join(f"{a} != {b}" for i, a in enumerate(args) for b in args[i + 1:]) + ")"
        if op == "-":
            return f"(-{args[0]})" if len(args) == 1 else "(" + " - ".join(args) + ")"
        if op == "to_real":
            return args[0]  # an integer read as a real: the same Python number
        if op in _INFIX and (len(args) == 2 or op in ("+", "*")):
            return "(" + f" {_INFIX[op]} ".join(args) + ")"
        if op in ("div", "mod", "abs", "to_int", "is_int", "xor", "select", "store", "/"):
            raise Unsupported(f"operator {op}")
        local = self.funcs.setdefault(op, f"f{len(self.funcs)}")  # type: ignore[arg-type]
        return f"{local}({', '.join(args)})"


def _unquote(tok: str) -> str:
    return tok[1:-1] if tok.startswith("|") and tok.endswith("|") else tok


class Compiled:
    """Terms compiled to one Python function: call it with the values of the free
    constants, the uninterpreted functions and the quantifier domains; it returns one
    value per term."""

    def __init__(self, terms: Sequence[z3.ExprRef], enums: Iterable[str] = ()) -> None:
        c = _Compiler(enums)
        roots = [c.read(_tree(_tokens(t.sexpr())), {}) for t in terms]
        results = [c.code(k) for k in roots]
        self.constants = tuple(c.consts)  # names of the free constants read
        self.functions = tuple(c.funcs)
        head = ["def _run(C, FN, D):"]
        head += [f"    {local} = C[{name!r}]" for name, local in c.consts.items()]
        head += [f"    {local} = FN[{name!r}]" for name, local in c.funcs.items()]
        source = "\n".join(head + c.lines + [f"    return ({', '.join(results)}{',' if len(results) == 1 else ''})"])
        scope: dict[str, Any] = {"F": Fraction}
        exec(compile(source, "<z3-evaluate>", "exec"), scope)
        self._run: Callable = scope["_run"]
        self.source = source

    def __call__(self, constants: Mapping[str, Any], functions: Mapping[str, Callable] | None = None,
                 domains: Mapping[str, Sequence] | None = None) -> tuple:
        return self._run(constants, functions or {}, domains or {})


def enum_values(*sorts: z3.DatatypeSortRef) -> set[str]:
    """The names of the values of enumeration sorts (for `Compiled(enums=...)`)."""
    return {sort.constructor(i).name() for sort in sorts for i in range(sort.num_constructors())}


__all__ = ["Compiled", "Unsupported", "enum_values"]
