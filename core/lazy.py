"""Heavy third-party modules imported on first use (the standard library's LazyLoader recipe).

`jieba = lazy_import("jieba")` at the top of a module costs nothing until `jieba.cut(...)` is
first called, so commands and pages that never need a dictionary (`manage.py check`, most
requests) do not load one.
"""

import importlib.util
import sys


def lazy_import(name):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
