"""What the service-record tests share: a private storage in a temporary folder and evidence files."""

from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from custody.models import EvidenceFile

# A small valid PDF: its content, not its name, makes it one.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def html_disguised_as_pdf(name="invoice.pdf"):
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", "application/pdf")


def temporary_private_storage(tmp_path, monkeypatch):
    """Evidence goes to a temporary folder (the field holds its storage from import time)."""
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", storage)
    return storage
