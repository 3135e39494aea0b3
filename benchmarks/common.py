"""Helpers shared by the benchmark scripts."""


def rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS'):
                return int(line.split()[1]) / 1024
    return float('nan')
