"""Progress: mmengine's bar on a terminal, a few short lines in a log."""
import io

from diswot_mm.utils.progress import Progress, track


class Terminal(io.StringIO):

    def isatty(self):
        return True


def test_log_gets_at_most_11_short_lines_for_100_items():
    log = io.StringIO()
    assert list(track(range(100), desc='scoring',
                      file=log)) == list(range(100))
    lines = log.getvalue().splitlines()
    assert '\r' not in log.getvalue()
    assert len(lines) <= 11
    assert max(len(line) for line in lines) <= 300
    assert lines[0] == 'scoring: 0/100 (0%)'
    assert lines[-1].startswith('scoring: 100/100 (100%), ')
    assert 'ETA' in lines[-1] and '/s' in lines[-1]
    assert [int(line.split()[1].split('/')[0])
            for line in lines] == list(range(0, 101, 10))


def test_few_items_get_a_line_each_and_none_for_zero():
    log = io.StringIO()
    bar = Progress(3, file=log)
    for _ in range(3):
        bar.update()
    assert [line.split()[0] for line in log.getvalue().splitlines()
            ] == ['0/3', '1/3', '2/3', '3/3']
    empty = io.StringIO()
    Progress(0, 'nothing', file=empty).update()
    assert empty.getvalue() == ''


def test_terminal_gets_mmengine_bar_ended_by_a_newline():
    term = Terminal()
    list(track(range(5), desc='scoring', file=term))
    text = term.getvalue()
    assert text.startswith('scoring\n[')
    assert '\r[' in text and '5/5' in text
    assert text.endswith('\n')
