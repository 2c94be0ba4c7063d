"""`import tunablecnn` loads no converter and no TFLite runtime, and the package's imports form no cycle."""

import ast
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "tunablecnn"

# TensorFlow and Keras load tf.lite's converter module (tensorflow.lite.python.lite) themselves,
# so the script compares what `import tunablecnn` adds after them.
_ADDED_BY_IMPORT = """
import sys
import keras, tensorflow
before = set(sys.modules)
import tunablecnn
print("\\n".join(sorted(set(sys.modules) - before)))
"""
_CONVERTER_OR_RUNTIME = re.compile(r"^(tunablecnn\.export|ai_edge_litert)(\.|$)|(^|\.)lite(rt)?(\.|$)")


def test_import_loads_no_converter_and_no_tflite_runtime():
    result = subprocess.run([sys.executable, "-c", _ADDED_BY_IMPORT], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    added = result.stdout.split()
    assert "tunablecnn.inference" in added
    assert [name for name in added if _CONVERTER_OR_RUNTIME.search(name)] == []


def test_only_the_package_init_imports_from_the_package_root():
    """Other modules import names from the module defining them (`from tunablecnn import cli`, a submodule,
    is fine), never what the root re-exports: that would need the root's own imports to have finished."""
    trees = _trees()
    imported = {(module, name) for module, tree in trees.items() if module != PACKAGE
                for node in ast.walk(tree) for name in _names_from_root(node, module, tree)}
    assert {(module, name) for module, name in imported if name == PACKAGE or name not in trees} == set()


def test_module_level_imports_have_no_cycle():
    graph = _import_graph()
    assert _cycle(graph) is None
    assert "tunablecnn.export" not in _reachable(graph, "tunablecnn.inference")  # inference never needs the exporter


def _import_graph():
    """`{module: modules its top-level imports run}`: a target and its parent packages, minus the root
    (see the test above) and the importer's own packages (already running when it is imported)."""
    trees = _trees()
    graph = {}
    for module, tree in trees.items():
        ancestors = _packages(module) | {module}
        graph[module] = {
            package for node in _top_level_imports(tree) for name in _imported_names(node, module, tree)
            if name in trees for package in _packages(name) | {name}
        } - ancestors - {PACKAGE}
    return graph


def _trees():
    """`{dotted module name: parsed source}` for every module of the package (a package is its __init__)."""
    trees = {}
    for folder, _, files in os.walk(os.path.join(ROOT, PACKAGE)):
        for file in (f for f in files if f.endswith(".py")):
            parts = os.path.relpath(os.path.join(folder, file), ROOT)[: -len(".py")].split(os.sep)
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            with open(os.path.join(folder, file)) as handle:
                trees[name] = ast.parse(handle.read())
            trees[name].is_package = file == "__init__.py"
    return trees


def _top_level_imports(tree):
    """Import statements that run when the module is imported (not those inside functions)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _imported_names(node, module, tree):
    """Dotted names an import may load: `import a.b` gives a.b; `from a.b import c` gives a.b and a.b.c."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        package = module if tree.is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}".rstrip(".")
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def _names_from_root(node, module, tree):
    """`tunablecnn` for `import tunablecnn`; `tunablecnn.x` for `from tunablecnn import x` (or `from .. import x`)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name == PACKAGE]
    names = _imported_names(node, module, tree)
    return names[1:] if names and names[0] == PACKAGE else []


def _packages(module):
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def _cycle(graph):
    """One import cycle as a list of modules, or None."""
    state, path = {}, []

    def visit(module):
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            found = state.get(target) is None and visit(target)
            if found:
                return found
        state[module] = "done"
        path.pop()
        return None

    for module in sorted(graph):
        found = module not in state and visit(module)
        if found:
            return found
    return None


def _reachable(graph, start):
    seen, stack = set(), [start]
    while stack:
        for target in graph[stack.pop()] - seen:
            seen.add(target)
            stack.append(target)
    return seen
