"""Progress bars appear only on a TTY and never under --quiet."""

import io

import click

from genmon.progress import progress, progress_enabled


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_non_tty_prints_nothing():
    stream = io.StringIO()
    assert list(progress(range(50), "boot", total=50, stream=stream)) == list(range(50))
    assert stream.getvalue() == ""
    assert not progress_enabled(stream)


def test_tty_draws_a_bar():
    stream = FakeTTY()
    assert list(progress(range(20), "boot", stream=stream)) == list(range(20))
    out = stream.getvalue()
    assert "boot" in out
    assert "100%" in out


def test_quiet_context_silences_tty():
    stream = FakeTTY()
    ctx = click.Context(click.Command("x"), obj={"quiet": True})
    with ctx:
        assert not progress_enabled(stream)
        assert list(progress(range(5), "boot", stream=stream)) == list(range(5))
    assert stream.getvalue() == ""
