"""Heavy third-party modules imported on first use.

`jieba = lazy_import("jieba")` at the top of a module costs nothing until `jieba.cut(...)` is
first called, so commands and pages that never need a dictionary (`manage.py check`, most
requests) do not load one.

The stand-in imports the real module normally on first attribute access and from then on
reads every name from it, so a name patched on the real module (a test's monkeypatch, a
reload) is the one the stand-in's users see. It never puts a half-loaded module into sys.modules: importlib's LazyLoader did,
and a package loaded that way (redis) got a second copy of its submodules once another
module imported one of them directly, so `except redis.RedisError` missed the errors
redis raised.
"""

import importlib
import importlib.util
import sys
import types


class _Deferred(types.ModuleType):
    _module = None

    def __getattr__(self, attribute):
        module = self._module
        if module is None:
            module = importlib.import_module(self.__name__)
            self.__dict__["_module"] = module
        return getattr(module, attribute)


def lazy_import(name):
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name.partition(".")[0]) is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return _Deferred(name)
