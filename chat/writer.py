"""Group commit of visitors' messages: one transaction for the messages that sockets post
while the database thread is busy.

Channels runs every database call of a process on one thread, so each message's own
transaction (a lock, two inserts, an update, a commit, and the trip to that thread) made
the next socket's message wait in line. A GroupWriter per event loop takes the messages
that arrive together, writes them with one `chat.actions.messages_post`, and answers each
socket only once its rows are committed: a question acknowledged is never lost. The first
message goes at once (nothing waits for a batch to fill); those arriving while it is
written go together in the next trip.
"""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async

from chat import actions

logger = logging.getLogger(__name__)


class GroupWriter:
    def __init__(self, largest=100):
        # A batch is one transaction: its locks are held for the time all its answers take.
        self.largest = largest
        self._pending = []
        self._busy = False
        self.batches = 0

    async def post(self, post):
        """`post` (chat.actions.Post) written and committed: (the visitor's message, the
        answer dict or None, the assistant's message or None); raises what refused it."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((post, future))
        if not self._busy:
            self._busy = True
            loop.create_task(self._run())
        return await future

    async def _run(self):
        try:
            while self._pending:
                batch = self._pending[: self.largest]
                del self._pending[: self.largest]
                results = await self._write([post for post, _future in batch])
                for (_post, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue  # its socket went away meanwhile; the message is stored
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._busy = False

    async def _write(self, posts):
        write = database_sync_to_async(actions.messages_post)
        self.batches += 1
        try:
            return await write(posts=posts)
        except Exception as failed:  # noqa: BLE001  (each post is tried again alone)
            if len(posts) == 1:
                return [failed]
            # Nothing of the batch was stored: each post alone, so one that cannot be
            # written fails only its own socket.
            logger.warning("chat group commit of %d failed (%r); alone", len(posts), failed)
        results = []
        for post in posts:
            try:
                results += await write(posts=[post])
            except Exception as failed:  # noqa: BLE001  (handed to that post's socket)
                results.append(failed)
        return results


# One writer per event loop (a test's loops come and go).
_writers = weakref.WeakKeyDictionary()


async def post(post):
    """`post` written through this event loop's GroupWriter (see GroupWriter.post)."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = GroupWriter()
    return await writer.post(post)
