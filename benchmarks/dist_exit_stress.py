"""The distributed exit under load: ``tools/dist_train.sh`` (2 gloo
processes) train, then ``--resume`` with more iterations, repeated, beside a
CPU-heavy process; counts runs that fail (a rank aborting at exit shows as
a non-zero exit code after a run that worked).

    python -m benchmarks.dist_exit_stress --runs 30 [--load-procs 2]

Prints one line per run and a summary; writes ``--out`` (JSON).
"""
import argparse
import json
import multiprocessing as mp
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = 'tests/data/distill_tiny.py'


def burn(stop_at: float) -> None:
    """Keep one core busy until ``stop_at`` (time.time())."""
    x = 0
    while time.time() < stop_at:
        x = (x * 31 + 7) % 1000003


def one_run(index: int, port: int) -> dict:
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        OMP_NUM_THREADS='1',
        PYTHONWARNINGS='ignore')
    result = dict(run=index)
    with tempfile.TemporaryDirectory() as work_dir:
        for step, extra in (('train', []), ('resume', [
                '--resume', '--cfg-options', 'train_cfg.max_iters=4'
        ])):
            proc = subprocess.run([
                'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
                work_dir, *extra
            ],
                                  cwd=REPO,
                                  capture_output=True,
                                  text=True,
                                  env=dict(
                                      env,
                                      PORT=str(port + (step == 'resume'))))
            result[step] = proc.returncode
            if proc.returncode != 0:
                result['tail'] = (proc.stdout + proc.stderr)[-6000:]
                break
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=30)
    parser.add_argument(
        '--load-procs',
        type=int,
        default=2,
        help='CPU-burning processes beside the runs')
    parser.add_argument('--port', type=int, default=29700)
    parser.add_argument('--out', default='work_dirs/dist_exit_stress.json')
    args = parser.parse_args()
    loads = [
        mp.Process(target=burn, args=(time.time() + 24 * 3600, ), daemon=True)
        for _ in range(args.load_procs)
    ]
    for proc in loads:
        proc.start()
    start, results = time.time(), []
    try:
        for i in range(args.runs):
            results.append(one_run(i, args.port + 2 * i))
            print(
                json.dumps({
                    k: v
                    for k, v in results[-1].items() if k != 'tail'
                }),
                flush=True)
    finally:
        for proc in loads:
            proc.terminate()
    failed = [
        r for r in results if r.get('train') != 0 or r.get('resume') != 0
    ]
    summary = dict(
        runs=len(results),
        failed=len(failed),
        load_procs=args.load_procs,
        cpus=os.cpu_count(),
        seconds=round(time.time() - start),
        date=time.strftime('%Y-%m-%d'),
        failures=failed)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(summary, f, indent=1)
    print(f'{summary["failed"]} of {summary["runs"]} runs failed '
          f'({args.load_procs} CPU-burning processes beside them, '
          f'{summary["seconds"]} s); {args.out}')


if __name__ == '__main__':
    main()
