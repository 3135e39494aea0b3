"""Progress that reads well where it is read: mmengine's ``ProgressBar`` on a
terminal, a few short lines in a file (nohup, Slurm, CI logs), where a bar
redrawn with ``\\r`` would make one line of tens of kilobytes."""
import sys
import time
from datetime import timedelta
from typing import Iterable, Iterator, Optional, TextIO, TypeVar

from mmengine.utils import ProgressBar

T = TypeVar('T')


class Progress:
    """Count ``total`` steps and show it.

    On a terminal: mmengine's ``ProgressBar`` (ended by a newline). Else: a
    line when starting and one each time another tenth is done (so at most
    11 lines), e.g. ``scoring: 30/100 (30%), 2.1/s, elapsed 0:00:14, ETA
    0:00:33``. Same interface as ``ProgressBar``: ``update(n)``.

    Args:
        total (int): Number of steps (>= 0; nothing is shown for 0).
        desc (str): Label of the lines (and of the bar, printed above it).
            Defaults to ''.
        file (TextIO, optional): Where to write. Defaults to ``sys.stdout``
            as it is when constructed.
    """

    def __init__(self,
                 total: int,
                 desc: str = '',
                 file: Optional[TextIO] = None) -> None:
        if total < 0:
            raise ValueError(f'Progress total must be >= 0, got {total}.')
        self.total = total
        self.desc = desc
        self.file = file if file is not None else sys.stdout
        self.completed = 0
        self._tenths = 0
        self._start = time.perf_counter()
        self._bar = None
        if total == 0:
            return
        if self.file.isatty():
            if desc:
                self.file.write(f'{desc}\n')
            self._bar = ProgressBar(total, file=self.file)
        else:
            self._line()

    def update(self, num: int = 1) -> None:
        """Count ``num`` more steps done."""
        self.completed += num
        if self.total == 0:
            return
        if self._bar is not None:
            self._bar.update(num)
            if self.completed >= self.total:
                self.file.write('\n')
                self.file.flush()
            return
        tenths = min(10, self.completed * 10 // self.total)
        if tenths > self._tenths:
            self._tenths = tenths
            self._line()

    def _line(self) -> None:
        elapsed = time.perf_counter() - self._start
        text = (f'{self.desc}: ' if self.desc else
                '') + (f'{self.completed}/{self.total} '
                       f'({100 * self.completed // self.total}%)')
        if self.completed:
            rate = self.completed / max(elapsed, 1e-9)
            eta = (self.total - self.completed) / rate
            text += (f', {rate:.3g}/s, elapsed {_clock(elapsed)}, '
                     f'ETA {_clock(eta)}')
        self.file.write(text + '\n')
        self.file.flush()


def track(items: Iterable[T],
          total: Optional[int] = None,
          desc: str = '',
          file: Optional[TextIO] = None) -> Iterator[T]:
    """Yield ``items``, showing progress with :class:`Progress`.

    Args:
        items (Iterable): What to iterate over.
        total (int, optional): Its length. Defaults to ``len(items)``.
        desc (str): Label. Defaults to ''.
        file (TextIO, optional): Where to write. Defaults to ``sys.stdout``.
    """
    progress = Progress(len(items) if total is None else total, desc, file)
    for item in items:
        yield item
        progress.update()


def _clock(seconds: float) -> str:
    """``H:MM:SS`` of a duration in seconds."""
    return str(timedelta(seconds=int(seconds + 0.5)))
