"""Run the README's test command (or a part of it) several times while busy loops keep the CPU loaded, and count the failures.

A test that passes on an idle machine but fails under load races with something (a server thread, a subprocess, a clock).
Usage: python tools/stress_tests.py --runs 3 --hogs 2 [-k EXPR] [--only tests/test_cli.py ...]
Prints one line per run and a table of the tests that failed at least once; exits 1 if any did.
"""
import argparse, multiprocessing as mp, re, subprocess, sys, time
from collections import Counter

def _spin():
    while True: pass

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', type=int, default=3, help='times to run the tests')
    ap.add_argument('--hogs', type=int, default=2, help='busy-loop processes running beside the tests (one per core loads the machine fully)')
    ap.add_argument('-k', default=None, help="pytest's -k expression (all tests if omitted)")
    ap.add_argument('--only', nargs='*', default=['tests/'], help='test files or folders (default: tests/, as the README says)')
    a = ap.parse_args()
    hogs = [mp.Process(target=_spin, daemon=True) for _ in range(a.hogs)]
    for h in hogs: h.start()
    failed, rows = Counter(), []
    try:
        for r in range(a.runs):
            cmd = [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-rf', *a.only] + (['-k', a.k] if a.k else [])
            t0 = time.time(); p = subprocess.run(cmd, capture_output=True, text=True); dt = time.time()-t0
            out = p.stdout + p.stderr
            names = re.findall(r'^FAILED (\S+)', out, re.M); failed.update(names)
            summ = re.findall(r'^=*\s*(\d+ (?:passed|failed|error).*?) in [\d.]+s', out, re.M)
            rows.append((r+1, summ[-1] if summ else f'rc {p.returncode}', dt))
            print(f"run {r+1}/{a.runs}: {rows[-1][1]} ({dt:.0f} s, {a.hogs} busy loops beside)", flush=True)
            for n in names: print(f"    FAILED {n}", flush=True)
    finally:
        for h in hogs: h.terminate()
    print(f"\n{a.runs} runs, {sum(1 for r in rows if 'failed' in r[1] or 'error' in r[1])} with a failure")
    for n,c in failed.most_common(): print(f"  {c}/{a.runs}  {n}")
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
