"""The search state on disk: JSON (never pickle), written atomically, checked
against the config on resume.

A work_dir is shared and copied between people and clusters, so resuming
must never run code from it: the state is plain JSON (``-Infinity`` for
infeasible scores, as Python's json writes it), with a format version and
the search-relevant config (and its hash) that wrote it.
"""
import glob
import hashlib
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Tuple

#: Bump when the state's layout changes.
FORMAT_VERSION = 1
STATE_PATTERN = 'search_epoch_{}.json'
REQUIRED_KEYS = ('format_version', 'config_hash', 'config', 'epoch', 'records',
                 'infeasible', 'exhausted', 'rng_state')


class SearchStateError(ValueError):
    """A search state that cannot be resumed, with what is wrong."""


def config_hash(config: Dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the search-relevant config."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_state(path: str, state: Dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically: a temporary file, fsync,
    rename, fsync of the folder. A reader sees the old file or the new one,
    never a torn one."""
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        json.dump(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    folder = os.open(osp.dirname(osp.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def read_state(path: str, config: Dict[str, Any]) -> Dict[str, Any]:
    """Read and check a state written for ``config``.

    Raises:
        SearchStateError: the file is not a state of this format and
            config, saying what is wrong with it.
    """
    try:
        with open(path) as f:
            state = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SearchStateError(f'not a readable JSON search state ({err}); '
                               'it may be truncated or another file') from err
    if not isinstance(state, dict):
        raise SearchStateError('not a search state (JSON of another shape)')
    missing = [k for k in REQUIRED_KEYS if k not in state]
    if missing:
        raise SearchStateError(f'not a search state: keys {missing} are '
                               'missing')
    if state['format_version'] != FORMAT_VERSION:
        raise SearchStateError(
            f'written in state format {state["format_version"]!r}, this '
            f'diswot_mm reads format {FORMAT_VERSION}')
    if state['config_hash'] != config_hash(config):
        raise SearchStateError(
            f'written by another search config (state {state["config_hash"]}'
            f' vs this config {config_hash(config)}; differs in '
            f'{config_diff(state["config"], config)})')
    return state


def config_diff(old: Any, new: Any, prefix: str = '') -> str:
    """The keys where two configs differ, with both values (for errors)."""
    if isinstance(old, dict) and isinstance(new, dict):
        parts = [
            config_diff(old.get(k), new.get(k), f'{prefix}{k}.')
            for k in sorted(set(old) | set(new))
            if json.dumps(old.get(k), sort_keys=True, default=str) !=
            json.dumps(new.get(k), sort_keys=True, default=str)
        ]
        return '; '.join(parts[:5]) + ('; ...' if len(parts) > 5 else '')
    return f'{prefix[:-1]}: state {old!r}, config {new!r}'


def find_states(work_dir: str) -> List[str]:
    """``search_epoch_N.json`` files of ``work_dir``, oldest first."""
    paths = glob.glob(osp.join(work_dir, STATE_PATTERN.format('*')))
    numbered = []
    for path in paths:
        number = osp.basename(path)[len('search_epoch_'):-len('.json')]
        if number.isdigit():
            numbered.append((int(number), path))
    return [p for _, p in sorted(numbered)]


def newest_valid_state(
    work_dir: str, config: Dict[str, Any]
) -> Tuple[Optional[str], Optional[dict], List[Tuple[str, str]]]:
    """The newest state of ``work_dir`` that can be resumed.

    Returns:
        tuple: (its path or None, the state or None, [(path, why skipped)]
        of the newer ones that could not).
    """
    skipped = []
    for path in reversed(find_states(work_dir)):
        try:
            return path, read_state(path, config), skipped
        except SearchStateError as err:
            skipped.append((path, str(err)))
    return None, None, skipped


def check_work_dir(work_dir: str,
                   config: Dict[str, Any],
                   resume_from: Optional[str],
                   logger=None) -> None:
    """Refuse to start where a search would destroy another search's work.

    A fresh search (``resume_from`` None) in a work_dir holding states of
    another config would overwrite its states and outputs; ``'auto'``
    resume where every state is of another config (or unreadable) would
    start afresh over them. The same config run again replaces its own
    search (a warning says so). An explicit state path is checked when it
    is read.

    Raises:
        SearchStateError: naming the state, how its config differs, and
            ``--work-dir`` as the way out.
    """
    if resume_from not in (None, 'auto'):
        return
    states = find_states(work_dir)
    if not states:
        return
    if resume_from == 'auto':
        path, _, skipped = newest_valid_state(work_dir, config)
        if path is None:
            raise SearchStateError(
                f'--resume: {work_dir} holds search states, none of this '
                f'config: {skipped[0][0]}: {skipped[0][1]}. Resuming needs '
                'the config that wrote them; for a new search give another '
                '--work-dir.')
        return
    for path in reversed(states):
        try:
            with open(path) as f:
                state = json.load(f)
            theirs = state['config_hash']
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if theirs == config_hash(config):
            if logger is not None:
                logger.warning(
                    f'{work_dir} holds a search of this same config '
                    f'({osp.basename(path)}): starting afresh replaces it '
                    '(--resume continues it instead).')
            return
        raise SearchStateError(
            f'{work_dir} holds another search ({path}; it differs in '
            f'{config_diff(state.get("config"), config)}): a fresh search '
            'there would overwrite its states and outputs. Give another '
            '--work-dir, or delete its search_epoch_*.json if you mean to '
            'replace it.')


class SearchStateStore:
    """The states of one search config in a work_dir: written after every
    generation, the newest ``max_keep`` of this config kept (another
    search's files are never deleted), read back on resume.

    Args:
        work_dir (str): The search's work_dir.
        config (dict): The search-relevant config (``SearchSettings.
            search_config``) the states are written with and checked
            against.
        max_keep (int): States of this config kept; 0 keeps all.
    """

    def __init__(self, work_dir: str, config: Dict[str, Any],
                 max_keep: int) -> None:
        self.work_dir = work_dir
        self.config = config
        self.hash = config_hash(config)
        self.max_keep = max_keep

    def check(self, resume_from: Optional[str], logger=None) -> None:
        """:func:`check_work_dir` for this config."""
        check_work_dir(self.work_dir, self.config, resume_from, logger)

    def own_states(self) -> List[str]:
        """This config's states in the work_dir, oldest first."""
        own = []
        for path in find_states(self.work_dir):
            try:
                with open(path) as f:
                    if json.load(f).get('config_hash') == self.hash:
                        own.append(path)
            except (OSError, ValueError, AttributeError):
                continue  # a torn or foreign file: never ours to delete
        return own

    def path(self, epoch: int) -> str:
        """Where the state of generation ``epoch`` is written."""
        return osp.join(self.work_dir, STATE_PATTERN.format(epoch))

    def save(self, epoch: int, **state) -> None:
        """Atomically write :meth:`path` of ``epoch`` holding ``state``
        (``records``, ``infeasible``, ``exhausted``, ``rng_state``), then
        prune."""
        path = self.path(epoch)
        write_state(
            path,
            dict(
                format_version=FORMAT_VERSION,
                config_hash=self.hash,
                config=self.config,
                epoch=epoch,
                **state))
        if self.max_keep > 0:
            for stale in self.own_states()[:-self.max_keep]:
                os.remove(stale)

    def load(self, resume_from: str,
             logger) -> Tuple[Optional[str], Optional[dict]]:
        """(path, state) of ``resume_from`` (``'auto'``: the newest valid
        state of the work_dir, saying which newer files were skipped and
        why; (None, None) when there is none).

        Raises:
            FileNotFoundError: ``resume_from`` does not exist.
            SearchStateError: it is not a state of this config, naming the
                newest one that is.
        """
        if resume_from == 'auto':
            path, state, skipped = newest_valid_state(self.work_dir,
                                                      self.config)
            for bad, why in skipped:
                logger.warning(f'--resume: skipped {bad}: {why}.')
            if path is None:
                legacy = glob.glob(
                    osp.join(self.work_dir, 'search_epoch_*.pkl'))
                logger.info(f'--resume: no search state in {self.work_dir}; '
                            'starting afresh.' +
                            (f' ({len(legacy)} search_epoch_N.pkl of an older '
                             'diswot_mm are not read: pickles can run code.)'
                             if legacy else ''))
            return path, state
        if not osp.isfile(resume_from):
            raise FileNotFoundError(
                f'resume_from {resume_from!r} does not exist: give a '
                'search_epoch_N.json of an earlier search of this '
                'config, or --resume without a path for the newest.')
        try:
            return resume_from, read_state(resume_from, self.config)
        except SearchStateError as err:
            newest, _, _ = newest_valid_state(self.work_dir, self.config)
            hint = (f'The newest valid state in {self.work_dir} is '
                    f'{newest}: --resume {newest} (or --resume without a '
                    'path).' if newest else f'{self.work_dir} holds no '
                    'valid state of this config: run without --resume to '
                    'start afresh.')
            raise SearchStateError(
                f'cannot resume from {resume_from}: {err}. {hint}') from None
