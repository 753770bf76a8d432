"""Size limits that keep modules readable: no module over 450 lines and no function over
80 lines, outside tests/ and the benchmark. Prints the ten longest functions; exits 1 naming
whatever is over a limit."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGES = ("evidence", "chain", "content", "api", "client", "scripts", "tools")
EXEMPT = {Path("tools/bench.py")}
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 80


def functions(path: Path) -> list[tuple[int, str]]:
    """(lines, qualified name) of every function in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out: list[tuple[int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert child.end_lineno is not None
                start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                out.append((child.end_lineno - start + 1, f"{path}:{child.lineno} {prefix}{child.name}"))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return out


def main() -> int:
    problems: list[str] = []
    every: list[tuple[int, str]] = []
    for package in PACKAGES:
        for path in sorted(Path(package).rglob("*.py")):
            if path in EXEMPT:
                continue
            lines = len(path.read_text().splitlines())
            if lines > MAX_MODULE_LINES:
                problems.append(f"{path}: {lines} lines (limit {MAX_MODULE_LINES})")
            for length, name in functions(path):
                every.append((length, name))
                if length > MAX_FUNCTION_LINES:
                    problems.append(f"{name}: {length} lines (limit {MAX_FUNCTION_LINES})")
    print("longest functions:")
    for length, name in sorted(every, reverse=True)[:10]:
        print(f"  {length:4d}  {name}")
    for problem in problems:
        print(f"over a size limit: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
