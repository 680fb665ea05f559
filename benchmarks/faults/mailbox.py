"""The fault benchmark's mail server: files, one per message, after an SMTP-like pause.

The pause makes each e-mail job take as long as a real hand-over to a mail server, so
the kills land in the middle of jobs and not only between them.
"""

import time

from django.core.mail.backends.filebased import EmailBackend

SEND_SECONDS = 0.05


class SlowFileBackend(EmailBackend):
    def write_message(self, message):
        time.sleep(SEND_SECONDS)
        super().write_message(message)
