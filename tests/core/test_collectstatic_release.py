"""Static files are collected once per release: a restart with unchanged sources skips it."""

import os
import time

from django.core.management import call_command

from core.management.commands import collectstatic_release


def _run(capsys):
    call_command("collectstatic_release")
    return capsys.readouterr().out


def test_collected_once_then_skipped_until_a_source_changes(settings, tmp_path, capsys):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "site.css").write_text("body { color: black; }")
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_DIRS = [("release-test", sources)]

    assert "collected" in _run(capsys)
    assert (tmp_path / "static" / "release-test" / "site.css").is_file()
    assert "skipped" in _run(capsys)

    # The same file name with other content is a change.
    (sources / "site.css").write_text("body { color: navy; }")
    # As a checkout does: the changed source is newer than its collected copy.
    later = time.time() + 5
    os.utime(sources / "site.css", (later, later))
    assert "collected" in _run(capsys)
    assert (tmp_path / "static" / "release-test" / "site.css").read_text().endswith("navy; }")
    assert "skipped" in _run(capsys)


def test_a_missing_manifest_or_stamp_collects_again(settings, tmp_path, capsys):
    settings.STATIC_ROOT = tmp_path / "static"
    assert "collected" in _run(capsys)
    (tmp_path / "static" / collectstatic_release.STAMP_NAME).unlink()
    assert "collected" in _run(capsys)

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    fingerprint = collectstatic_release.sources_fingerprint()
    (tmp_path / "static" / collectstatic_release.STAMP_NAME).write_text(fingerprint)
    # The stamp matches but the manifest a manifest storage needs is not there.
    assert not collectstatic_release.collected_is_current(fingerprint)


def test_the_storage_backend_is_part_of_the_fingerprint(settings):
    plain = collectstatic_release.sources_fingerprint()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    assert collectstatic_release.sources_fingerprint() != plain


def test_the_fingerprint_reads_no_file_content(settings, tmp_path, monkeypatch):
    # Thousands of files hashed at every restart took seconds (#20); sizes and times do.
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "app.js").write_text("let a = 1;")
    settings.STATICFILES_DIRS = [("release-test", sources)]
    before = collectstatic_release.sources_fingerprint()

    def no_reading(*args, **kwargs):
        raise AssertionError("a source file was opened")

    monkeypatch.setattr("django.core.files.storage.FileSystemStorage.open", no_reading)
    assert collectstatic_release.sources_fingerprint() == before
    (sources / "app.js").write_text("let a = 22;")
    assert collectstatic_release.sources_fingerprint() != before
