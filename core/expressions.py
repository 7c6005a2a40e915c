"""A formula typed by a user, read safely into a `Function2D` with exact derivatives.

The text is never run as Python: it is checked character by character, parsed with ``ast.parse(...,
mode="eval")``, and only a few node types (numbers, x, y, pi, e, + - * / **, one-argument calls of
`FUNCTIONS_ALLOWED`) are turned into a sympy expression, built node by node. Sympy only differentiates: the
functions are our own sympy classes that it cannot evaluate or query, and constants it would have to compute
(sin(1), sqrt(2)) are symbols standing for float64 values, so its cost stays bounded by the size limits. The
expression, its gradient and Hessian are compiled into straight-line numpy code (one ufunc call per distinct
subexpression) and printed as LaTeX by a printer of our own. Evaluation runs under ``np.errstate(all="ignore")``:
where the formula is undefined or overflows, the arrays hold nan or inf.

Every limit is a module constant, and every refusal an `ExpressionError` with a stable ``code`` and
``params`` for the page's message (see `CODES`).
"""
from __future__ import annotations

import ast
import math
import re
import string
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from core.landscapes import Function2D, _grad, _hess, _split, check_bounds

__all__ = ["ExpressionError", "ParsedFunction", "parse", "normalize", "CODES", "FUNCTIONS_ALLOWED",
           "NAMES_ALLOWED", "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES", "MAX_LITERAL", "MAX_EXPONENT", "MAX_DIGITS",
           "MAX_EXACT_DIGITS", "MAX_GRADIENT_TERMS", "MAX_TERMS", "MAX_STEPS", "DEFAULT_BOUNDS"]

MAX_LENGTH = 200  # characters, after stripping surrounding whitespace
MAX_DEPTH = 20  # nesting: parentheses, calls, powers, signs (a chain a + b - c … counts once)
MAX_NODES = 100  # numbers, names, operators and calls in the formula
MAX_LITERAL = 1e6  # largest number that may be typed
MAX_EXPONENT = 100  # largest |exponent| when the exponent is a constant
MAX_DIGITS = 300  # digits of an exact integer a power may create, e.g. (10 x)**100 → 10**100 x**100
MAX_EXACT_DIGITS = 30  # a constant part like 2**10/3 stays exact up to this size, else it becomes a float64
MAX_GRADIENT_TERMS = 500  # nodes of ∂f/∂x or ∂f/∂y written out; bounds the cost of the Hessian that follows
MAX_TERMS = 2000  # nodes of each Hessian entry written out (what the LaTeX shows)
MAX_STEPS = 1500  # numpy operations in the compiled f, ∇f and ∇²f together
DEFAULT_BOUNDS = ((-3.0, 3.0), (-3.0, 3.0))

FUNCTIONS_ALLOWED = ("sin", "cos", "tan", "exp", "log", "sqrt", "sinh", "cosh", "tanh", "atan", "abs", "sigmoid",
                     "softplus")
NAMES_ALLOWED = ("x", "y", "pi", "e")
CODES = ("not_text", "empty", "too_long", "nul", "not_ascii", "control", "caret", "character", "unbalanced",
         "depth", "syntax", "implicit_mult", "nodes", "name", "function", "call_form", "attribute", "operator",
         "construct", "complex", "number_too_large", "power", "huge_constant", "too_complex")

_PUNCTUATION = " _.,+-*/()="
_SPACE = " \t\r\n\f\v"
_NUMBER = re.compile(r"(?<![\w.])(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
                     r"|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)")
_ALLOWED_CHARS = frozenset(string.ascii_letters + string.digits + _PUNCTUATION)
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_REFUSED_BINARY = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                   ast.BitOr: "|", ast.BitAnd: "&"}
_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Is: "is",
            ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_GROUP = {ast.Add: "add", ast.Sub: "add", ast.Mult: "mul", ast.Div: "mul"}
_X, _Y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
_LOG10_2 = math.log10(2)


class ExpressionError(ValueError):
    """A refused formula; ``code`` (one of `CODES`) and ``params`` let the page say why in its language.

    ``str(error)`` is a plain English message. Codes and their params:

    - ``not_text`` (not a str), ``empty``, ``complex`` (1j): no params
    - ``too_long``: length, limit (`MAX_LENGTH`)
    - ``nul``, ``not_ascii``, ``control``, ``caret`` (^ typed for a power), ``character`` (any other character
      outside letters, digits, space and ``_.,+-*/()=``): char (``U+XXXX`` for the first three), column
    - ``unbalanced``, ``syntax``, ``implicit_mult`` (2x, (a)(b)): column (1-based, 0 if unknown)
    - ``depth``, ``nodes``, ``power``, ``number_too_large``, ``too_complex``: limit (`MAX_DEPTH`, `MAX_NODES`,
      `MAX_EXPONENT`, `MAX_LITERAL`, and `MAX_GRADIENT_TERMS`, `MAX_TERMS` or `MAX_STEPS`)
    - ``huge_constant``: digits (`MAX_DIGITS`)
    - ``name`` (a name other than x, y, pi, e; also True, None), ``function`` (a call of anything else):
      name, allowed (comma-separated list)
    - ``call_form`` (a function without exactly one plain argument, or named without a call), ``attribute``:
      name
    - ``operator`` (//, ==, and, not, is, in ...): op
    - ``construct`` (lambda, if-else, tuple, generator, await ...): kind, the Python node's name

    Names hold only ASCII letters, digits and ``_`` (at most 30): show them in backticks, as markdown would
    read ``__x__`` as bold.
    """

    def __init__(self, code: str, message: str, **params):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True, eq=False)
class ParsedFunction(Function2D):
    """A `Function2D` read from text, with its source and the LaTeX of its derivatives.

    ``text`` is the formula in canonical form (what `normalize` returns; parse it again to get this function
    back), ``f_latex`` the right-hand side of ``latex``, ``grad_latex`` (∂f/∂x, ∂f/∂y) and ``hess_latex`` the
    rows of the Hessian. Equal and hashed by (text, bounds); pickled as the call ``parse(text, bounds)``.
    """

    text: str = ""
    f_latex: str = ""
    grad_latex: tuple[str, str] = ("", "")
    hess_latex: tuple[tuple[str, str], tuple[str, str]] = (("", ""), ("", ""))

    def derivative_latex(self) -> tuple[str, str, str]:
        """LaTeX of f, ∇f and ∇²f as `core.symbolic.derivative_latex` gives them for the gallery."""
        (a, b), (c, d) = self.hess_latex
        return (self.f_latex, r"\left[\begin{matrix}" + r"\\".join(self.grad_latex) + r"\end{matrix}\right]",
                r"\left[\begin{matrix}" + f"{a} & {b}" + r"\\" + f"{c} & {d}" + r"\end{matrix}\right]")

    def __eq__(self, other):
        if not isinstance(other, ParsedFunction):
            return NotImplemented
        return (self.text, self.bounds) == (other.text, other.bounds)

    def __hash__(self):
        return hash((self.text, self.bounds))

    def __reduce__(self):
        return parse, (self.text, self.bounds)


# --- public entry points ------------------------------------------------------------------------------


def parse(text: str, bounds=None) -> ParsedFunction:
    """Read a formula in x and y into a function with exact gradient and Hessian.

    Parameters
    ----------
    text : str
        At most `MAX_LENGTH` ASCII characters: numbers (at most `MAX_LITERAL`), ``x``, ``y``, ``pi``, ``e``,
        ``+ - * / **``, parentheses and calls of `FUNCTIONS_ALLOWED` with one argument (``log`` is natural,
        ``atan`` the arctangent, ``sigmoid(u) = 1/(1 + exp(-u))``, ``softplus(u) = log(1 + exp(u))``).
    bounds : ((xmin, xmax), (ymin, ymax)), optional
        Window of the function, `DEFAULT_BOUNDS` if not given; finite, min < max.

    Returns
    -------
    ParsedFunction
        id ``"custom"``, name_key ``"functions.custom"``, no known critical points; f, grad and hess take
        points of shape (..., 2) and return (...), (..., 2) and (..., 2, 2), nan or inf where f is undefined or
        overflows (log of a negative number, 1/0, ...).

    Raises
    ------
    ExpressionError
        With a ``code`` from `CODES` and ``params`` for the message.

    Notes
    -----
    Exponents are constants with |value| ≤ `MAX_EXPONENT`, or expressions in x, y with no variable exponent
    inside (``2**x`` and ``e**(-x**2)`` are fine, ``x**y**x`` is not). Arithmetic of numbers, pi and e is exact
    (``1/3``, ``2**10``, ``pi/2``); other constants (``sin(1)``, ``sqrt(2)``, ``1e-300``) are float64 numbers,
    printed as typed. Fractional powers of negative numbers are nan, as in numpy (``x**(1/3)`` at x < 0).
    The derivative of ``abs(u)`` is sign(u)·u' with sign(0) = 0, and that of sign is 0, as in autodiff
    libraries. Parsing takes ~10-40 ms for everyday formulas; the size limits (`MAX_NODES`, `MAX_DEPTH`,
    `MAX_DIGITS`, `MAX_GRADIENT_TERMS`, `MAX_TERMS`, `MAX_STEPS`) keep the worst case
    under about half a second.

    Examples
    --------
    >>> fn = parse("x**2 - y**2")
    >>> fn.grad([1.0, 2.0]).tolist(), fn.hess([0.0, 0.0]).tolist()
    ([2.0, -4.0], [[2.0, 0.0], [0.0, -2.0]])
    >>> fn.latex
    'f(x, y) = x^{2} - y^{2}'
    """
    box = check_bounds(DEFAULT_BOUNDS if bounds is None else bounds)
    tree = _read(text)
    source = _canonical(tree, text)
    builder = _Builder()
    expr = _replace_abs(builder.build(tree))
    grad = [_replace_abs(sp.diff(expr, v)) for v in (_X, _Y)]
    _check_terms(grad, MAX_GRADIENT_TERMS)
    hxx, hxy = (_replace_abs(sp.diff(grad[0], v)) for v in (_X, _Y))
    hyy = _replace_abs(sp.diff(grad[1], _Y))
    _check_terms((hxx, hxy, hyy), MAX_TERMS)
    try:
        programs = [_Program(outs, builder.values) for outs in ((expr,), grad, (hxx, hxy, hyy))]
    except _UnsupportedError as err:  # a safety net: sympy produced a node the compiler does not know
        raise ExpressionError("too_complex", f"cannot compile {err}", limit=MAX_STEPS) from None
    steps = sum(len(p.steps) for p in programs)
    if steps > MAX_STEPS:
        raise ExpressionError("too_complex", f"the derivatives need {steps} operations, more than {MAX_STEPS}",
                              limit=MAX_STEPS)
    tex = _Tex(builder.latex_names)
    f_tex, gx, gy, t_xx, t_xy, t_yy = (tex(e) for e in (expr, *grad, hxx, hxy, hyy))
    f_prog, g_prog, h_prog = programs

    def f(p):
        x, y = _split(p)
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(f_prog(x, y)[0], dtype=np.float64), x.shape).copy()

    def grad_fn(p):
        x, y = _split(p)
        with np.errstate(all="ignore"):
            return _grad(*g_prog(x, y), x)

    def hess_fn(p):
        x, y = _split(p)
        with np.errstate(all="ignore"):
            return _hess(*h_prog(x, y), x)

    return ParsedFunction(id="custom", f=f, grad=grad_fn, hess=hess_fn, latex=f"f(x, y) = {f_tex}", bounds=box,
                          name_key="functions.custom", text=source, f_latex=f_tex, grad_latex=(gx, gy),
                          hess_latex=((t_xx, t_xy), (t_xy, t_yy)))


def normalize(text: str) -> str:
    """The formula in canonical form (no spaces, only the parentheses it needs), for a share link.

    Runs the checks of `parse` up to the parse tree (not the derivatives) and raises `ExpressionError` alike.

    Examples
    --------
    >>> normalize(" ((x) ** 2) +  sin( y )*1.50 ")
    'x**2+sin(y)*1.5'
    """
    return _canonical(_read(text), text)


# --- text → checked parse tree ------------------------------------------------------------------------


def _read(text) -> ast.Expression:
    """The parse tree of an accepted formula; every refusal before sympy sees anything."""
    if not isinstance(text, str):
        raise ExpressionError("not_text", f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError("too_long", f"the formula has {len(text)} characters, more than {MAX_LENGTH}",
                              length=len(text), limit=MAX_LENGTH)
    lead = len(text) - len(text.lstrip(_SPACE))  # columns in messages count from the text as typed
    text = text.strip(_SPACE)
    if not text:
        raise ExpressionError("empty", "the formula is empty")
    _check_characters(text, lead)
    _check_parentheses(text, lead)
    _check_numbers(text, lead)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        column = int(err.offset or 0) + lead
        raise ExpressionError("syntax", f"the formula is not well formed (column {column})", column=column) from None
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise ExpressionError("syntax", "the formula is not well formed", column=0) from None
    nodes = sum(isinstance(n, ast.expr) for n in ast.walk(tree))
    if nodes > MAX_NODES:
        raise ExpressionError("nodes", f"the formula has {nodes} parts, more than {MAX_NODES}", limit=MAX_NODES)
    _check_tree(tree.body, lead)
    _check_powers(tree.body)
    return tree


def _check_powers(root: ast.expr) -> None:
    """Constant exponents within ±`MAX_EXPONENT` (so no 9**9**9), and no variable exponent inside another."""
    for node in ast.walk(root):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)):
            continue
        if _has_var(node.right):
            if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) and _has_var(n.right)
                   for n in ast.walk(node.right)):
                raise ExpressionError("power", "a variable exponent may not contain another variable exponent "
                                      f"(no towers like x**y**x); constant exponents go up to {MAX_EXPONENT}",
                                      limit=MAX_EXPONENT)
            continue
        value = _fold(node.right).value
        if not (math.isfinite(value) and abs(value) <= MAX_EXPONENT):
            raise ExpressionError("power", f"a constant exponent must be a number from -{MAX_EXPONENT} to "
                                  f"{MAX_EXPONENT}", limit=MAX_EXPONENT)


def _check_characters(text: str, lead: int) -> None:
    for i, ch in enumerate(text):
        column = lead + i + 1
        if ch == "\x00":
            raise ExpressionError("nul", f"the formula contains a NUL byte at column {column}", char="U+0000",
                                  column=column)
        if ord(ch) > 127:
            raise ExpressionError("not_ascii", f"character U+{ord(ch):04X} at column {column} is not plain ASCII "
                                  "(type x, y, digits and operators on an English keyboard layout)",
                                  char=f"U+{ord(ch):04X}", column=column)
        if ord(ch) < 32 or ord(ch) == 127:
            raise ExpressionError("control", f"control character U+{ord(ch):04X} at column {column}",
                                  char=f"U+{ord(ch):04X}", column=column)
        if ch == "^":
            raise ExpressionError("caret", f"^ at column {column}: write powers with **, e.g. x**2",
                                  char="^", column=column)
        if ch not in _ALLOWED_CHARS:
            raise ExpressionError("character", f"the character {ch!r} at column {column} is not allowed; use "
                                  f"letters, digits, spaces and {_PUNCTUATION.strip()}", char=ch, column=column)


def _check_parentheses(text: str, lead: int) -> None:
    """Balanced, and nested at most `MAX_DEPTH` deep (checked before the parser, which recurses)."""
    open_at: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            open_at.append(i)
            if len(open_at) > MAX_DEPTH:
                raise ExpressionError("depth", f"parentheses are nested more than {MAX_DEPTH} deep",
                                      limit=MAX_DEPTH)
        elif ch == ")":
            if not open_at:
                raise ExpressionError("unbalanced", f"the ) at column {lead + i + 1} closes nothing",
                                      column=lead + i + 1)
            open_at.pop()
    if open_at:
        column = lead + open_at[-1] + 1
        raise ExpressionError("unbalanced", f"the ( at column {column} is never closed", column=column)


def _check_numbers(text: str, lead: int) -> None:
    """No number glued to a name: "2x" means 2*x (and "1if", "1or" make the parser warn on stderr)."""
    for match in _NUMBER.finditer(text):
        end = match.end()
        if end < len(text) and (text[end].isalpha() or text[end] == "_"):
            raise ExpressionError("implicit_mult", f"write * between a number and what it multiplies (column "
                                  f"{lead + end + 1})", column=lead + end + 1)


def _name(node) -> str:
    return str(getattr(node, "id", getattr(node, "attr", "")))[:30]


def _check_tree(root: ast.expr, lead: int) -> None:
    """Accept only the node types `parse` documents; report the first other one, left to right."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError("depth", f"the formula is nested more than {MAX_DEPTH} deep", limit=MAX_DEPTH)
        children: list[ast.expr] = []
        if isinstance(node, ast.Constant):
            _check_constant(node.value)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS_ALLOWED:
                raise ExpressionError("call_form", f"{node.id} is a function: write {node.id}(...)", name=node.id)
            if node.id not in NAMES_ALLOWED:
                raise ExpressionError("name", f"unknown name {_name(node)!r}; use {', '.join(NAMES_ALLOWED)}",
                                      name=_name(node), allowed=", ".join(NAMES_ALLOWED))
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                op = "not" if isinstance(node.op, ast.Not) else "~"
                raise ExpressionError("operator", f"the operator {op} is not allowed", op=op)
            children = [node.operand]
        elif isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.BitXor):  # unreachable: the character check refuses ^ first
                raise ExpressionError("caret", "^ is not a power: write x**2", char="^", column=0)
            if type(node.op) not in _BINARY:
                op = _REFUSED_BINARY.get(type(node.op), type(node.op).__name__)
                raise ExpressionError("operator", f"the operator {op} is not allowed; use + - * / **", op=op)
            children = [node.left, node.right]
        elif isinstance(node, ast.Call):
            fname = node.func.id if isinstance(node.func, ast.Name) else None
            if fname in FUNCTIONS_ALLOWED:
                if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                    raise ExpressionError("call_form", f"{fname} takes exactly one argument, like {fname}(x)",
                                          name=fname)
                children = [node.args[0]]
            elif fname is None or fname in NAMES_ALLOWED:  # "(x+1)(x-1)", "x(y)", "2(x)"
                column = lead + node.func.end_col_offset + 1
                raise ExpressionError("implicit_mult", f"write * between factors, (a)*(b) not (a)(b) (column "
                                      f"{column})", column=column)
            else:
                raise ExpressionError("function", f"unknown function {fname[:30]!r}; use "
                                      f"{', '.join(FUNCTIONS_ALLOWED)}", name=fname[:30],
                                      allowed=", ".join(FUNCTIONS_ALLOWED))
        elif isinstance(node, ast.Attribute):
            raise ExpressionError("attribute", f"attribute access .{_name(node)} is not allowed", name=_name(node))
        elif isinstance(node, ast.Compare):
            op = _COMPARE.get(type(node.ops[0]), "?")
            raise ExpressionError("operator", f"the comparison {op} is not allowed", op=op)
        elif isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            raise ExpressionError("operator", f"the operator {op} is not allowed", op=op)
        else:
            kind = type(node).__name__
            raise ExpressionError("construct", f"a Python {kind} is not part of a formula", kind=kind)
        group = _GROUP.get(type(node.op)) if isinstance(node, ast.BinOp) else None
        for child in reversed(children):
            chained = group is not None and isinstance(child, ast.BinOp) and _GROUP.get(type(child.op)) == group
            stack.append((child, depth if chained else depth + 1))


def _check_constant(value) -> None:
    if value is None or isinstance(value, bool):
        raise ExpressionError("name", f"unknown name {value!r}; use {', '.join(NAMES_ALLOWED)}", name=str(value),
                              allowed=", ".join(NAMES_ALLOWED))
    if isinstance(value, complex):
        raise ExpressionError("complex", "imaginary numbers (like 1j) are not allowed")
    if isinstance(value, int | float):
        if not (math.isfinite(value) and abs(value) <= MAX_LITERAL):
            raise ExpressionError("number_too_large", f"numbers may be at most {MAX_LITERAL:g}", limit=MAX_LITERAL)
        return
    kind = "string" if isinstance(value, str | bytes) else type(value).__name__
    raise ExpressionError("construct", f"a Python {kind} is not part of a formula", kind=kind)


# --- canonical text -----------------------------------------------------------------------------------

_PREC = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 4}  # unary minus is 3


def _prec(node) -> int:
    if isinstance(node, ast.BinOp):
        return _PREC[type(node.op)]
    return 3 if isinstance(node, ast.UnaryOp) else 5


def _number_text(value) -> str:
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _unparse(node) -> str:
    """Python for a checked tree: no spaces, parentheses only where the tree needs them."""
    if isinstance(node, ast.Constant):
        return _number_text(node.value)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return f"{node.func.id}({_unparse(node.args[0])})"
    if isinstance(node, ast.UnaryOp):
        inner = _unparse(node.operand)
        return ("-" if isinstance(node.op, ast.USub) else "+") + (f"({inner})" if _prec(node.operand) < 3 else inner)
    p = _PREC[type(node.op)]
    left, right = _unparse(node.left), _unparse(node.right)
    if p == 4:  # right-associative, binds tighter than a unary minus on its left
        left_paren, right_paren = _prec(node.left) <= 4, _prec(node.right) < 3
    else:
        left_paren, right_paren = _prec(node.left) < p, _prec(node.right) <= p
    return (f"({left})" if left_paren else left) + _BINARY[type(node.op)] + (f"({right})" if right_paren else right)


def _canonical(tree: ast.Expression, text: str) -> str:
    out = _unparse(tree.body)
    return out if len(out) <= MAX_LENGTH else text.strip(_SPACE)


# --- checked tree → sympy -----------------------------------------------------------------------------


def _has_var(node) -> bool:
    return any(isinstance(n, ast.Name) and n.id in ("x", "y") for n in ast.walk(node))


def _digits(expr) -> float:
    """Decimal digits of the largest numerator or denominator in a sympy expression."""
    return max((max(abs(r.p), r.q).bit_length() * _LOG10_2 for r in expr.atoms(sp.Rational)), default=0.0)


@dataclass(frozen=True)
class _Const:
    exact: Fraction | None  # the value as a small exact fraction, if it is one
    value: float  # float64 value (may be inf or nan)
    latex: str
    prec: int  # precedence of its top operation, as `_prec`


def _fraction_ok(q: Fraction | None) -> Fraction | None:
    if q is None:
        return None
    size = max(abs(q.numerator), q.denominator).bit_length() * _LOG10_2
    return q if size <= MAX_EXACT_DIGITS else None


_NUMPY = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
          "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "atan": np.arctan, "abs": np.abs,
          "sigmoid": lambda u: 1.0 / (1.0 + np.exp(-u)), "softplus": lambda u: np.log(1.0 + np.exp(u))}
_LATEX_FN = {"sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "exp": r"\exp", "log": r"\log", "sinh": r"\sinh",
             "cosh": r"\cosh", "tanh": r"\tanh", "atan": r"\operatorname{atan}", "sigmoid": r"\sigma",
             "softplus": r"\operatorname{softplus}"}


def _fold(node) -> _Const:
    """A constant part of the tree: exact while small, always as float64, and as LaTeX (never via sympy)."""
    with np.errstate(all="ignore"):
        if isinstance(node, ast.Constant):
            v = node.value
            exact = _fraction_ok(Fraction(v) if isinstance(v, int) else Fraction(repr(v)))
            if isinstance(v, int) or "e" not in repr(v):
                tex = _number_text(v)
            else:  # 1e-300 as 10^{-300}, 2.5e-300 as (2.5 · 10^{-300})
                mantissa, power = repr(v).split("e")
                tex = rf"10^{{{int(power)}}}" if float(mantissa) == 1 else \
                    rf"\left({_number_text(float(mantissa))} \cdot 10^{{{int(power)}}}\right)"
            return _Const(exact, float(v), tex, 5)
        if isinstance(node, ast.Name):
            return _Const(None, math.pi, r"\pi", 5) if node.id == "pi" else _Const(None, math.e, "e", 5)
        if isinstance(node, ast.UnaryOp):
            a = _fold(node.operand)
            sign = -1 if isinstance(node.op, ast.USub) else 1
            tex = a.latex if a.prec >= 3 else rf"\left({a.latex}\right)"
            return _Const(None if a.exact is None else sign * a.exact, float(np.float64(sign) * a.value),
                          ("-" if sign < 0 else "+") + tex, 3)
        if isinstance(node, ast.Call):
            name = node.func.id
            a = _fold(node.args[0])
            value = float(_NUMPY[name](np.float64(a.value)))
            if name == "sqrt":
                return _Const(None, value, rf"\sqrt{{{a.latex}}}", 5)
            if name == "abs":
                return _Const(None, value, rf"\left|{a.latex}\right|", 5)
            return _Const(None, value, rf"{_LATEX_FN[name]}\left({a.latex}\right)", 5)
        a, b = _fold(node.left), _fold(node.right)
        op, p = type(node.op), _PREC[type(node.op)]
        x, y = np.float64(a.value), np.float64(b.value)
        if op is ast.Pow:
            value = float(np.power(x, y))
            exact = None
            if a.exact is not None and b.exact is not None and b.exact.denominator == 1 \
                    and abs(b.exact) <= MAX_EXPONENT and not (a.exact == 0 and b.exact < 0):
                size = max(abs(a.exact.numerator), a.exact.denominator).bit_length() * _LOG10_2 * abs(int(b.exact))
                exact = _fraction_ok(a.exact ** int(b.exact)) if size <= 2 * MAX_EXACT_DIGITS else None
            base = a.latex if a.prec == 5 and not a.latex.startswith("-") else rf"\left({a.latex}\right)"
            return _Const(exact, value, f"{{{base}}}^{{{b.latex}}}", 4)
        left = a.latex if a.prec >= p else rf"\left({a.latex}\right)"
        right = b.latex if b.prec > p else rf"\left({b.latex}\right)"
        both = a.exact is not None and b.exact is not None
        if op is ast.Add:
            return _Const(_fraction_ok(a.exact + b.exact) if both else None, float(x + y), f"{left} + {right}", 1)
        if op is ast.Sub:
            return _Const(_fraction_ok(a.exact - b.exact) if both else None, float(x - y), f"{left} - {right}", 1)
        if op is ast.Mult:
            sep = r" \cdot " if left[-1:].isdigit() and right[:1].isdigit() else " "
            return _Const(_fraction_ok(a.exact * b.exact) if both else None, float(x * y), left + sep + right, 2)
        exact = _fraction_ok(a.exact / b.exact) if both and b.exact != 0 else None
        return _Const(exact, float(np.divide(x, y)), rf"\frac{{{a.latex}}}{{{b.latex}}}", 5)


def _exact_digits(node) -> float | None:
    """Bound on the digits sympy needs to hold a constant exactly: None unless it is numbers, pi and e under
    + - * / and integer powers (no function of a number, which sympy might evaluate numerically, and no
    fractional power of one, which it factors), and no more than `MAX_DIGITS`."""
    if isinstance(node, ast.Constant):  # 1e-40 stays a float: shown as typed, not as 1/10000…
        q = Fraction(node.value) if isinstance(node.value, int) else Fraction(repr(node.value))
        size = max(abs(q.numerator), q.denominator, 1).bit_length() * _LOG10_2
        if size > MAX_EXACT_DIGITS:
            return None
    elif isinstance(node, ast.Name):
        size = 1.0
    elif isinstance(node, ast.UnaryOp):
        size = _exact_digits(node.operand)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        n, base = _fold(node.right).exact, _exact_digits(node.left)
        if n is None or n.denominator != 1 or abs(n) > MAX_EXPONENT or base is None:
            return None
        size = base * max(1, abs(int(n)))
    elif isinstance(node, ast.BinOp):
        left, right = _exact_digits(node.left), _exact_digits(node.right)
        size = None if left is None or right is None else left + right
    else:
        return None
    return size if size is not None and size <= MAX_DIGITS else None


def _exact(node):
    """The sympy value of a constant `_exact_digits` accepts."""
    if isinstance(node, ast.Constant):
        q = Fraction(node.value) if isinstance(node.value, int) else Fraction(repr(node.value))
        return sp.Rational(q.numerator, q.denominator)
    if isinstance(node, ast.Name):
        return sp.pi if node.id == "pi" else sp.E
    if isinstance(node, ast.UnaryOp):
        return -_exact(node.operand) if isinstance(node.op, ast.USub) else _exact(node.operand)
    a, b = _exact(node.left), _exact(node.right)
    op = type(node.op)
    if op is ast.Pow:
        return a**b
    return a + b if op is ast.Add else a - b if op is ast.Sub else a * b if op is ast.Mult else a / b


class _Fn(sp.Function):
    """A function of the whitelist as sympy sees it: differentiated by `_DERIVATIVES`, never evaluated and never
    asked about (sympy's own cosh, say, answers "is it real?" by expanding real and imaginary parts, which took
    seconds for a 60-character formula)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return _DERIVATIVES[type(self)](self.args[0])


_Sin, _Cos, _Tan, _Exp, _Log, _Sinh, _Cosh, _Tanh, _Atan, _Abs, _Sign = (
    type(f"_{name}", (_Fn,), {}) for name in ("sin", "cos", "tan", "exp", "log", "sinh", "cosh", "tanh", "atan",
                                              "abs", "sign"))


class _Pow(sp.Function):
    """b**e for an exponent that is not an integer: sympy's own Pow would pull roots out of numbers (factoring
    them) and ask for arguments of complex numbers (expanding (a + ib)**99) to pick a branch."""

    nargs = 2

    def fdiff(self, argindex=1):
        b, e = self.args
        return e * _Pow(b, e - 1) if argindex == 1 else self * _Log(b)


# The derivative of abs is sign (sign(0) = 0) and that of sign is 0, as autodiff libraries take them.
_DERIVATIVES = {_Sin: _Cos, _Cos: lambda u: -_Sin(u), _Tan: lambda u: 1 + _Tan(u) ** 2, _Exp: _Exp,
                _Log: lambda u: 1 / u, _Sinh: _Cosh, _Cosh: _Sinh, _Tanh: lambda u: 1 - _Tanh(u) ** 2,
                _Atan: lambda u: 1 / (1 + u**2), _Abs: _Sign, _Sign: lambda u: sp.S.Zero}


def _replace_abs(expr):
    """Sympy's own Abs and sign (from sqrt(x**2) and the like) as `_Abs` and `_Sign`."""
    if expr.has(sp.Abs, sp.sign):
        expr = expr.replace(sp.Abs, _Abs).replace(sp.sign, _Sign)
    return expr


_SYMPY_FN = {"sin": _Sin, "cos": _Cos, "tan": _Tan, "exp": _Exp, "log": _Log, "sqrt": lambda u: _Pow(u, sp.S.Half),
             "sinh": _Sinh, "cosh": _Cosh, "tanh": _Tanh, "atan": _Atan, "abs": _Abs,
             "sigmoid": lambda u: 1 / (1 + _Exp(-u)), "softplus": lambda u: _Log(1 + _Exp(u))}


class _Builder:
    """Builds the sympy expression of a checked tree; constant parts that are not small exact numbers become
    symbols whose float64 values and LaTeX it keeps (so sympy never evaluates anything numerically)."""

    def __init__(self):
        self.values: dict[sp.Symbol, float] = {}
        self.latex_names: dict[sp.Symbol, str] = {}

    def build(self, tree: ast.Expression):
        return self._node(tree.body)

    def _constant(self, node):
        if isinstance(node, ast.UnaryOp):  # the sign goes to sympy, which prints it where it belongs
            inner = self._constant(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        c = _fold(node)
        if c.exact is not None:
            return sp.Rational(c.exact.numerator, c.exact.denominator)
        v = c.value
        if math.isfinite(v) and _exact_digits(node) is not None:
            return _exact(node)
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Pow):  # 2*sin(1) as 2·c, not as c
            a, b = self._constant(node.left), self._constant(node.right)
            op = type(node.op)
            return a + b if op is ast.Add else a - b if op is ast.Sub else a * b if op is ast.Mult else a / b
        for sym, tex in self.latex_names.items():  # one symbol per constant: sin(1) - sin(1) is 0
            if tex == c.latex:
                return sym
        if math.isfinite(v):  # its sign is all sympy may ask about it
            signs = {"positive": True} if v > 0 else {"negative": True} if v < 0 else {}
            sym = sp.Symbol(f"c_{len(self.values)}", real=True, **signs)
        else:
            sym = sp.Symbol(f"c_{len(self.values)}")
        self.values[sym] = v
        self.latex_names[sym] = c.latex  # a call, a power or a number: never needs brackets as a factor
        return sym

    def _node(self, node):
        if not _has_var(node):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return _X if node.id == "x" else _Y
        if isinstance(node, ast.UnaryOp):
            a = self._node(node.operand)
            return -a if isinstance(node.op, ast.USub) else a
        if isinstance(node, ast.Call):
            return _SYMPY_FN[node.func.id](self._node(node.args[0]))
        if isinstance(node.op, ast.Pow):
            return self._power(node)
        a, b = self._node(node.left), self._node(node.right)
        op = type(node.op)
        return a + b if op is ast.Add else a - b if op is ast.Sub else a * b if op is ast.Mult else a / b

    def _power(self, node):
        base = self._node(node.left)
        if _has_var(node.right):
            exponent = self._node(node.right)
            return _Exp(exponent) if base is sp.E else _Pow(base, exponent)
        n = _fold(node.right).exact  # `_check_powers` has bounded it
        if n is None or n.denominator != 1:
            return _Pow(base, self._constant(node.right))
        if _digits(base) * abs(n) > MAX_DIGITS:  # (1000000*x)**100 would hold 1000000**100 exactly
            raise ExpressionError("huge_constant", f"this power makes a number with more than {MAX_DIGITS} digits",
                                  digits=MAX_DIGITS)
        return base ** sp.Integer(int(n))


# --- LaTeX --------------------------------------------------------------------------------------------
# Written here rather than with sympy.latex, whose Mul printer asks sympy whether exponents are constant (a
# simplify() per factor: minutes for sigmoid(sigmoid(sigmoid(x*y)))). This one is linear in the output.

_TEX_FN = {_Sin: r"\sin", _Cos: r"\cos", _Tan: r"\tan", _Log: r"\log", _Sinh: r"\sinh", _Cosh: r"\cosh",
           _Tanh: r"\tanh", _Atan: r"\operatorname{atan}", _Sign: r"\operatorname{sgn}", sp.log: r"\log"}


class _Tex:
    """LaTeX of the sympy expressions `parse` builds; ``names`` gives the LaTeX of the constant symbols."""

    def __init__(self, names: dict):
        self.names = names
        self.memo: dict = {}

    def __call__(self, e) -> str:
        if e not in self.memo:
            self.memo[e] = self._print(e)
        return self.memo[e]

    def _print(self, e) -> str:
        if e.is_Symbol:
            return self.names.get(e, e.name)
        if e.is_Integer:
            return str(e.p)
        if e.is_Rational:
            return ("- " if e.p < 0 else "") + rf"\frac{{{abs(e.p)}}}{{{e.q}}}"
        if e.is_Add:
            out = ""
            for k, term in enumerate(e.args):
                negative, body = self._signed(term)
                out += ("- " if negative else "") if k == 0 else (" - " if negative else " + ")
                out += body
            return out
        if e.is_Mul or _reciprocal(e):
            negative, body = self._signed(e)
            return ("- " if negative else "") + body
        if e.is_Pow or isinstance(e, _Pow):
            return self._power(*e.args)
        if isinstance(e, _Exp | sp.exp):
            return f"e^{{{self(e.args[0])}}}"
        if isinstance(e, _Abs):
            return rf"\left|{self(e.args[0])}\right|"
        if type(e) in _TEX_FN:
            return rf"{_TEX_FN[type(e)]}{{\left({self(e.args[0])} \right)}}"
        if e is sp.pi:
            return r"\pi"
        if e is sp.E:
            return "e"
        if e is sp.zoo:
            return r"\tilde{\infty}"
        if e in (sp.oo, sp.S.NegativeInfinity):
            return r"\infty" if e is sp.oo else r"-\infty"
        return r"\text{NaN}" if e is sp.nan else rf"\operatorname{{{type(e).__name__}}}"

    def _power(self, base, exponent) -> str:
        if exponent == sp.S.Half:
            return rf"\sqrt{{{self(base)}}}"
        b = self(base)
        if type(base) in _TEX_FN and exponent.is_Integer and exponent > 0:  # sin^{2}(x), as in print
            return rf"{_TEX_FN[type(base)]}^{{{exponent.p}}}{{\left({self(base.args[0])} \right)}}"
        atomic = (base.is_Symbol and base not in self.names) or (base.is_Integer and base >= 0) \
            or base in (sp.pi, sp.E) or isinstance(base, _Abs) or type(base) in _TEX_FN
        if not atomic:
            b = rf"\left({b}\right)"
        return f"{b}^{{{self(exponent)}}}"

    def _signed(self, e) -> tuple[bool, str]:
        """(is negative, LaTeX of the absolute value) of a term, as a fraction if it has a denominator."""
        if e.is_Rational:
            return e.p < 0, self(abs(e))
        if not (e.is_Mul or _reciprocal(e)):
            return False, self(e)
        numbers: list = []  # (LaTeX, is a sum), the rational coefficient first, then constants, then the rest
        constants: list = []
        others: list = []
        denom: list = []
        negative = False
        for factor in sp.Mul.make_args(e):
            if factor.is_Rational:
                negative = factor.p < 0
                if abs(factor.p) != 1:
                    numbers.append((str(abs(factor.p)), False))
                if factor.q != 1:
                    denom.append((str(factor.q), False))
            elif _reciprocal(factor):
                base, exponent = factor.args
                if exponent == -1:
                    denom.append((self(base), base.is_Add))
                else:
                    denom.append((self._power(base, -exponent), False))
            elif not factor.has(_X, _Y):
                constants.append((self(factor), factor.is_Add))
            else:
                others.append((self(factor), factor.is_Add))
        numer = numbers + constants + others
        top = self._join(numer, len(numer) > 1 or (negative and not denom)) or "1"
        return negative, rf"\frac{{{top}}}{{{self._join(denom, len(denom) > 1)}}}" if denom else top

    @staticmethod
    def _join(parts: list, brackets: bool) -> str:
        """Factors side by side (with · between two numbers), sums in brackets if ``brackets``."""
        out = ""
        for tex, is_sum in parts:
            piece = rf"\left({tex}\right)" if is_sum and brackets else tex
            if out:
                out += r" \cdot " if out[-1:].isdigit() and piece[:1].isdigit() else " "
            out += piece
        return out


def _reciprocal(e) -> bool:
    """A power with a negative rational exponent, printed as a fraction."""
    return (e.is_Pow or isinstance(e, _Pow)) and e.args[1].is_Rational and e.args[1] < 0


# --- size limits and compilation ----------------------------------------------------------------------


def _check_terms(exprs, limit: int) -> None:
    """Refuse derivatives whose written-out size (what the LaTeX prints) exceeds ``limit`` nodes."""
    size: dict = {}
    for root in exprs:
        stack = [root]
        while stack:  # post-order without recursion: children first, then the node
            e = stack[-1]
            pending = [a for a in e.args if a not in size]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            size[e] = 1 + sum(size[a] for a in e.args)
        if size[root] > limit:
            raise ExpressionError("too_complex", f"a derivative has {size[root]} terms, more than {limit}",
                                  limit=limit)


_UFUNC = {_Sin: np.sin, _Cos: np.cos, _Tan: np.tan, _Exp: np.exp, _Log: np.log, _Sinh: np.sinh, _Cosh: np.cosh,
          _Tanh: np.tanh, _Atan: np.arctan, _Abs: np.abs, _Sign: np.sign,
          sp.exp: np.exp, sp.log: np.log}  # sympy's own, from the derivative of 2**x or x**y


def _sum(*terms):
    out = terms[0]
    for t in terms[1:]:
        out = np.add(out, t)
    return out


def _product(*factors):
    out = factors[0]
    for t in factors[1:]:
        out = np.multiply(out, t)
    return out


def _power_by(exponent: float):
    if exponent == 2:
        return np.square
    if exponent == -1:
        return lambda b: np.divide(1.0, b)
    if exponent == 0.5:
        return np.sqrt
    return lambda b: np.power(b, exponent)


def _step(e):
    """The numpy function for one sympy node, and the subexpressions it takes."""
    if e.is_Add:
        return _sum, e.args
    if e.is_Mul:
        return _product, e.args
    if e.is_Pow or isinstance(e, _Pow):
        base, exponent = e.args
        if exponent.is_Rational:
            return _power_by(float(exponent)), (base,)
        return np.power, e.args
    fn = _UFUNC.get(type(e))
    if fn is None or len(e.args) != 1:
        raise _UnsupportedError(type(e).__name__)
    return fn, e.args


def _number(e) -> float:
    """float64 value of a sympy number or constant: nan for complex ones, ±inf beyond the float range."""
    if e is sp.oo or e is sp.S.NegativeInfinity:
        return math.inf if e is sp.oo else -math.inf
    if e.is_extended_real is not True:  # I, zoo, nan
        return math.nan
    try:
        return float(e)
    except OverflowError:
        return math.inf if e.is_positive else -math.inf
    except TypeError:
        return math.nan


class _Program:
    """Straight-line numpy code for sympy expressions in x and y: one step per distinct subexpression.

    Subexpressions free of x and y are computed once, here, in float64; ``values`` gives the symbols that stand
    for constants.
    """

    def __init__(self, outputs, values: dict):
        has_var: dict = {_X: True, _Y: True}
        order: list = []  # children before parents
        stack = list(outputs)
        while stack:
            e = stack[-1]
            if e in has_var:
                stack.pop()
                continue
            pending = [] if e.is_Atom else [a for a in e.args if a not in has_var]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            has_var[e] = any(has_var[a] for a in e.args)
            order.append(e)
        index = {_X: 0, _Y: 1}
        self.consts: list[np.float64] = []
        const_value: dict = {}
        with np.errstate(all="ignore"):
            for e in order:
                if not has_var[e]:
                    const_value[e] = np.float64(self._constant(e, values, const_value))
                    index[e] = 2 + len(self.consts)
                    self.consts.append(const_value[e])
        self.steps: list[tuple] = []
        for e in order:
            if has_var[e]:
                fn, args = _step(e)
                index[e] = 2 + len(self.consts) + len(self.steps)
                self.steps.append((fn, tuple(index[a] for a in args)))
        self.outputs = tuple(index[e] for e in outputs)

    @staticmethod
    def _constant(e, values: dict, known: dict) -> float:
        if e in values:
            return values[e]
        if e.is_Atom:
            return _number(e)
        try:
            fn, args = _step(e)
        except _UnsupportedError:
            return math.nan
        return float(fn(*[known[a] for a in args]))

    def __call__(self, x, y):
        v = [x, y, *self.consts]
        for fn, args in self.steps:
            v.append(fn(*[v[i] for i in args]))
        return [v[i] for i in self.outputs]


class _UnsupportedError(Exception):
    """A sympy node the compiler has no numpy step for (never raised for what `parse` accepts)."""
