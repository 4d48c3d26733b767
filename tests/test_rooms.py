"""The rooms' dependencies point one way, with no cycle: every import, at any depth of a module."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "mediamon"

# what each room may import besides itself; the base modules anyone may use
BASE = {"errors", "processes", "config"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "processes": set(),
    "config": {"errors"},
    "queries": {"errors"},
    "corpus": {"queries"} | BASE,
    "documents": {"corpus"} | BASE,
    "crawler": {"documents", "corpus"} | BASE,
    "nlp": {"corpus"} | BASE,
    "reports": {"corpus", "queries"} | BASE,
    "schedule": {"corpus"} | BASE,
    "demo": {"crawler", "documents", "nlp", "reports", "corpus"} | BASE,
    "cli": {"crawler", "documents", "nlp", "reports", "schedule", "demo", "corpus", "queries"}
    | BASE,
    "__main__": {"cli"},
}
# third-party packages that must stay out of a room (corpus is read by analysts' notebooks)
FORBIDDEN = {"corpus": {"scrapy", "spacy", "twisted"}, "documents": {"scrapy", "spacy"}}


def room_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module named by an import statement, including those inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield node.lineno, target
            if target == "mediamon":  # `from mediamon import config`
                for alias in node.names:
                    yield node.lineno, f"mediamon.{alias.name}"


def sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE or p.stem != "__init__")


def test_every_module_is_in_a_known_room() -> None:
    rooms = {room_of(p) for p in sources()}
    assert rooms <= set(ALLOWED), rooms - set(ALLOWED)


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path: Path) -> None:
    room = room_of(path)
    wrong = []
    for line, target in imports(path):
        parts = target.split(".")
        if parts[0] in FORBIDDEN.get(room, set()):
            wrong.append(f"line {line}: {room} must not import {parts[0]}")
        if parts[0] != "mediamon" or len(parts) < 2:
            continue
        other = parts[1]
        if other != room and other not in ALLOWED[room]:
            wrong.append(f"line {line}: {room} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_the_rooms_have_no_cycle() -> None:
    graph: dict[str, set[str]] = {room: set() for room in ALLOWED}
    for path in sources():
        room = room_of(path)
        for _, target in imports(path):
            parts = target.split(".")
            if parts[0] == "mediamon" and len(parts) > 1 and parts[1] != room:
                graph[room].add(parts[1])
    seen: set[str] = set()
    stack: list[str] = []

    def visit(node: str) -> None:
        assert node not in stack, " -> ".join([*stack[stack.index(node) :], node])
        if node in seen:
            return
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        stack.pop()
        seen.add(node)

    for room in sorted(graph):
        visit(room)


def test_the_evaluation_harness_is_not_installed() -> None:
    for path in sources():
        for line, target in imports(path):
            assert not target.startswith("evaluation"), f"{path}:{line} imports {target}"
