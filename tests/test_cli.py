"The installed console scripts, run as a user would run them."
import subprocess, sys, json, shutil
from pathlib import Path
import pytest

def run(*args, cwd=None):
    return subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, timeout=600)

def test_scripts_installed():
    for s in ('wsis-train', 'wsis-eval', 'wsis-predict', 'wsis-demo'):
        assert shutil.which(s), f'{s} is not on PATH: is the package installed (pip install -e .)?'

def test_help():
    r = run('wsis-train', '--help')
    assert r.returncode == 0 and 'method' in r.stdout and 'data' in r.stdout

def test_missing_folder(tmp_path):
    r = run('wsis-train', 'prm', str(tmp_path/'nowhere'))
    assert r.returncode != 0
    assert 'nowhere' in r.stderr and 'does not exist' in r.stderr

def test_unknown_method(tmp_path):
    r = run('wsis-train', 'no-such-method', str(tmp_path))
    assert r.returncode != 0 and 'registered methods' in r.stderr

def test_demo_train_eval_predict(tmp_path):
    out = tmp_path/'demo'
    r = run('wsis-demo', '--out', str(out), '--n-train', '16', '--n-valid', '4', '--sz', '64', '--epochs', '1')
    assert r.returncode == 0, r.stderr[-3000:]
    for k in ('mAP@0.25', 'mAP@0.5', 'mAP@0.75'): assert k in r.stdout
    assert (out/'instances.png').stat().st_size > 1000
    data = out/'toy'
    r = run('wsis-eval', 'prm', str(data))
    assert r.returncode == 0, r.stderr[-3000:]
    vals = dict(l.split() for l in r.stdout.strip().splitlines()[-8:] if len(l.split())==2)
    assert 0 <= float(vals['mAP@0.5']) <= 1
    r = run('wsis-predict', 'prm', str(data), '--split', 'valid', '--out', str(tmp_path/'p.json'))
    assert r.returncode == 0, r.stderr[-3000:]
    d = json.loads((tmp_path/'p.json').read_text())
    assert len(d['images']) == 4 and {'images', 'annotations', 'categories'} <= set(d)
    assert all('score' in a and 'segmentation' in a for a in d['annotations'])
