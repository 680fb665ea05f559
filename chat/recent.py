"""A small thread-safe cache of the most recently used items (least recently used go first).

People ask the common questions again and again: the assistant keeps the latest answers
of its matcher (per FAQ index, chat.index) and the latest message vectors (chat.encoder).
"""

import threading
from collections import OrderedDict

MISSING = object()


class Recent:
    def __init__(self, size):
        if size < 1:
            raise ValueError("size must be at least 1")
        self.size = size
        self._items = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key, default=None):
        with self._lock:
            value = self._items.get(key, MISSING)
            if value is MISSING:
                self.misses += 1
                return default
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __contains__(self, key):
        with self._lock:
            return key in self._items

    def __len__(self):
        return len(self._items)

    def clear(self):
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0
