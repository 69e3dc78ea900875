"The installed console scripts, run as a user would run them."
import subprocess, json, shutil, pickle, io
from pathlib import Path
import pytest

def run(*args, cwd=None):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=900)

def test_scripts_installed():
    for s in ('wsis-train', 'wsis-eval', 'wsis-predict', 'wsis-demo', 'wsis-bench'):
        assert shutil.which(s), f'{s} is not on PATH: is the package installed (pip install -e .)?'

def test_help():
    r = run('wsis-train', '--help')
    assert r.returncode == 0 and 'method' in r.stdout and 'data' in r.stdout and '--set' in r.stdout
    assert 'FutureWarning' not in r.stderr, r.stderr

def test_list():
    r = run('wsis-train', '--list')
    assert r.returncode == 0, r.stderr
    rows = {l.split()[0]: l for l in r.stdout.splitlines()[1:]}
    assert {'cam', 'prm', 'prm-mrcnn', 'oracle'} <= set(rows), r.stdout
    assert 'prm → pseudo → mrcnn' in rows['prm-mrcnn'] and 'masks' in rows['oracle'] and 'quick' in rows['cam']

def test_missing_folder(tmp_path):
    r = run('wsis-train', 'prm', tmp_path/'nowhere')
    assert r.returncode == 1 and 'nowhere' in r.stderr and 'does not exist' in r.stderr
    assert 'Traceback' not in r.stderr

def test_unknown_method(tmp_path):
    r = run('wsis-train', 'no-such-method', tmp_path)
    assert r.returncode == 1 and 'registered methods' in r.stderr

@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp('cli')/'demo'
    r = run('wsis-demo', '--out', out, '--method', 'prm', '--n-train', '16', '--n-valid', '4', '--n-test', '4', '--sz', '64', '--epochs', '1')
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r

def test_demo(demo):
    out, r = demo
    for k in ('mAP@0.25', 'mAP@0.5', 'mAP@0.75'): assert k in r.stdout
    assert (out/'instances.png').stat().st_size > 1000
    assert r.stdout.count('\n') < 40, f'progress noise in a non-terminal log:\n{r.stdout}'
    assert 'epoch 1/1' in r.stdout

def test_train_skips_current_and_checks_settings(demo):
    data = demo[0]/'toy'
    r = run('wsis-train', 'prm', data, '--epochs', '1', '--set', 'sz=64')
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'prm/prm: outputs current for these settings and inputs, skipped' in r.stdout
    r = run('wsis-train', 'prm', data, '--set', 'prm_treshold=0.2')
    assert r.returncode == 1 and "Unknown setting 'prm_treshold'" in r.stderr
    r = run('wsis-train', 'prm', data, '--stage', 'nope')
    assert r.returncode == 1 and 'has no stage' in r.stderr

def test_eval_and_predict(demo, tmp_path):
    data = demo[0]/'toy'
    r = run('wsis-eval', 'prm', data, '--split', 'test')
    assert r.returncode == 0, r.stderr[-3000:]
    vals = dict(l.split() for l in r.stdout.strip().splitlines()[-8:] if len(l.split())==2)
    assert 0 <= float(vals['mAP@0.5']) <= 1
    r = run('wsis-predict', 'prm', data, '--split', 'valid', '--out', tmp_path/'p.json')
    assert r.returncode == 0, r.stderr[-3000:]
    d = json.loads((tmp_path/'p.json').read_text())
    assert len(d['images']) == 4 and {'images', 'annotations', 'categories'} <= set(d)
    assert all('score' in a and 'segmentation' in a for a in d['annotations'])

def test_predict_plain_photos(demo, tmp_path):
    "A folder of photos with no annotations at all, and the checkpoint file alone"
    data = demo[0]/'toy'
    photos = tmp_path/'photos'; photos.mkdir()
    for f in sorted((data/'images'/'test').glob('*.png'))[:3]: shutil.copy(f, photos/f.name)
    ck = tmp_path/'prm.pth'; shutil.copy(data/'models'/'prm'/'prm.pth', ck)
    r = run('wsis-predict', 'prm', photos, '--ckpt', ck)
    assert r.returncode == 0, r.stderr[-3000:]
    d = json.loads((photos/'predictions.prm.json').read_text())
    assert [im['file_name'] for im in d['images']] == sorted(p.name for p in photos.glob('*.png'))
    assert d['categories'][0]['name'] == 'red-disc'

class _Evil:
    def __init__(self, fn): self.fn = fn
    def __reduce__(self): return (io.open, (self.fn, 'w'))

def test_crafted_checkpoint_runs_no_code(tmp_path):
    photos = tmp_path/'photos'; photos.mkdir()
    from PIL import Image; Image.new('RGB', (8, 8)).save(photos/'a.png')
    evil = tmp_path/'evil.pth'; flag = tmp_path/'pwned.txt'
    evil.write_bytes(pickle.dumps({'wsis_nb': {}, 'model': _Evil(str(flag))}))
    r = run('wsis-predict', 'prm', photos, '--ckpt', evil)
    assert r.returncode == 1 and 'evil.pth' in r.stderr and 'not a wsis_nb checkpoint' in r.stderr
    assert not flag.exists()

def test_bench_smoke(demo, tmp_path):
    data = demo[0]/'toy'
    r = run('wsis-bench', '--methods', 'cam', '--data', data, '--set', 'epochs=1', '--set', 'sz=64', '--json', tmp_path/'b.json')
    assert r.returncode == 0, r.stderr[-3000:]
    assert '| cam | image labels |' in r.stdout
    res = json.loads((tmp_path/'b.json').read_text())
    assert 0 <= res['cam']['mAP@0.5'] <= 1 and res['cam']['train_s'] > 0
