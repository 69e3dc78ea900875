"The installed console scripts, run as a user would run them."
import subprocess, json, shutil, pickle, io, os, socket, sys
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
    r = run('wsis-train', 'prm', data, '--set', 'epoch=2')
    assert r.returncode == 1 and 'did you mean epochs?' in r.stderr and 'its settings' not in r.stderr, r.stderr
    r = run('wsis-train', 'prm', data, '--stage', 'nope')
    assert r.returncode == 1 and 'has no stage' in r.stderr

def test_eval_and_predict(demo, tmp_path):
    data = demo[0]/'toy'
    r = run('wsis-eval', 'prm', data, '--split', 'test')
    assert r.returncode == 0, r.stderr[-3000:]
    vals = dict(l.split() for l in r.stdout.strip().splitlines()[-8:] if len(l.split())==2)
    assert 0 <= float(vals['mAP@0.5']) <= 1
    r = run('wsis-predict', 'prm', data, '--split', 'valid', '--out', tmp_path/'p.json', '--format', 'dataset')
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"wrote {tmp_path/'p.json'} (dataset)" in r.stdout
    d = json.loads((tmp_path/'p.json').read_text())
    assert len(d['images']) == 4 and {'images', 'annotations', 'categories'} <= set(d)
    assert all('score' in a and 'segmentation' in a for a in d['annotations'])

def test_predict_results_load_in_pycocotools(demo, tmp_path):
    "The default output is COCO results: pycocotools' loadRes reads it and COCOeval scores it as wsis-eval does"
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    data = demo[0]/'toy'; out = tmp_path/'res.json'
    r = run('wsis-predict', 'prm', data, '--split', 'test', '--out', out)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f'wrote {out} (results)' in r.stdout and 'predicted 4/4 images' in r.stdout
    rows = json.loads(out.read_text())
    assert isinstance(rows, list) and rows and all(set(x) == {'image_id', 'category_id', 'segmentation', 'score'} for x in rows)
    gt = COCO(str(data/'annotations'/'instances_test.json')); E = COCOeval(gt, gt.loadRes(str(out)), 'segm')
    E.evaluate(); E.accumulate(); E.summarize()
    r = run('wsis-eval', 'prm', data, '--split', 'test')
    vals = {k.strip():v for k,v in (l.rsplit(None, 1) for l in r.stdout.strip().splitlines() if l.strip().startswith('COCO'))}
    assert abs(float(vals['COCO AP']) - E.stats[0]) < 1e-3, (vals, E.stats[0])

def test_predict_never_replaces_without_force(demo, tmp_path):
    data = demo[0]/'toy'; out = tmp_path/'p.json'; out.write_text('[]')
    r = run('wsis-predict', 'prm', data, '--out', out)
    assert r.returncode == 1 and f'{out} exists; pass --force' in r.stderr and out.read_text() == '[]'
    r = run('wsis-predict', 'prm', data, '--out', out, '--force')
    assert r.returncode == 0, r.stderr[-3000:]
    assert out.read_text() != '[]'

def test_eval_refuses_other_methods_checkpoint(demo):
    data = demo[0]/'toy'
    r = run('wsis-eval', 'cam', data, '--ckpt', data/'models'/'prm'/'prm.pth')
    assert r.returncode == 1 and "trained for method 'prm', not 'cam'" in r.stderr and 'Traceback' not in r.stderr

def test_bad_checkpoint_bytes(demo, tmp_path):
    data = demo[0]/'toy'
    for i,b in enumerate([b'hello', bytes(range(256))*3]):          # a text file, binary junk (09_train fuzzes many more in-process)
        f = tmp_path/f'bad{i}.pth'; f.write_bytes(b)
        r = run('wsis-eval', 'prm', data, '--ckpt', f)
        assert r.returncode == 1 and f'{f} is not a wsis_nb checkpoint' in r.stderr, r.stderr
        assert 'Traceback' not in r.stderr and 'weights_only' not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr

def test_predict_plain_photos(demo, tmp_path):
    "A folder of photos with no annotations at all, and the checkpoint file alone"
    data = demo[0]/'toy'
    photos = tmp_path/'photos'; photos.mkdir()
    for f in sorted((data/'images'/'test').glob('*.png'))[:3]: shutil.copy(f, photos/f.name)
    ck = tmp_path/'prm.pth'; shutil.copy(data/'models'/'prm'/'prm.pth', ck)
    r = run('wsis-predict', 'prm', photos, '--ckpt', ck, '--format', 'dataset')
    assert r.returncode == 0, r.stderr[-3000:]
    d = json.loads((photos/'predictions.prm.dataset.json').read_text())
    assert [im['file_name'] for im in d['images']] == sorted(p.name for p in photos.glob('*.png'))
    assert d['categories'][0]['name'] == 'red-disc'
    r = run('wsis-predict', 'prm', photos, '--ckpt', ck)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = json.loads((photos/'predictions.prm.json').read_text())
    assert {x['file_name'] for x in rows} <= {p.name for p in photos.glob('*.png')}
    one = sorted(photos.glob('*.png'))[0]
    r = run('wsis-predict', 'prm', one, '--ckpt', ck)                    # one photo of the folder: its own file, the folder's is kept
    assert r.returncode == 0, r.stderr[-3000:]
    assert (photos/f'{one.stem}.predictions.prm.json').exists() and json.loads((photos/'predictions.prm.json').read_text()) == rows

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
    r = run('wsis-bench', '--methods', 'cam', '--data', data, '--set', 'epochs=1', '--set', 'sz=64', '--seeds', '2', '--stages', '--json', tmp_path/'b.json')
    assert r.returncode == 0, r.stderr[-3000:]
    assert '| cam | image labels |' in r.stdout and ' ± ' in r.stdout
    res = json.loads((tmp_path/'b.json').read_text())
    assert 0 <= res['cam']['mAP@0.5'] <= 1 and res['cam']['train_s'] > 0
    assert res['cam']['seeds'] == 2 and all(f'{c}_std' in res['cam'] for c in ('mAP@0.25', 'mAP@0.5', 'ABO'))
    assert (data/'models'/'cam'/'cam.pth').exists() and (data/'models'/'cam@seed1'/'cam.pth').exists()
    assert 'cam@seed1/cam: running' in r.stdout
    measures = {(x['stage'], x['measure']) for x in res['cam']['stages']}   # the stage table, merged over the two seeds
    assert ('cam', 'seed mIoU (train)') in measures and all(x['runs']==2 for x in res['cam']['stages'] if x['value'] is not None)
    assert 'cam: stages' in r.stdout and 'seed mIoU' in r.stdout

def _toy_copy(demo, dst):
    "The demo's dataset folder without its trained models"
    return Path(shutil.copytree(demo[0]/'toy', dst, ignore=shutil.ignore_patterns('models', 'cache')))

def test_refined_method_reuses_base_stages(demo):
    data = demo[0]/'toy'
    r = run('wsis-train', 'prm-mrcnn', data, '--stage', 'prm', '--epochs', '1', '--set', 'sz=64')
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'prm-mrcnn/prm: reused from prm/prm' in r.stdout and 'epoch 1/1' not in r.stdout, r.stdout
    assert json.loads((data/'models'/'prm-mrcnn'/'prm.json').read_text())['method'] == 'prm-mrcnn'

_INTERRUPT = """
import sys, wsis_nb.train as T
after = T.Checkpoint.after_epoch
def after_epoch(self):
    after(self)
    if self.epoch == 0: raise KeyboardInterrupt    # as Ctrl-C would, once the first epoch is saved
T.Checkpoint.after_epoch = after_epoch
from wsis_nb.apps.cli import wsis_train
sys.argv = ['wsis-train', 'prm', sys.argv[1], '--epochs', '2', '--set', 'sz=64']
wsis_train()
"""

def test_interrupt_and_resume(demo, tmp_path):
    data = _toy_copy(demo, tmp_path/'toy'); sc = tmp_path/'interrupt.py'; sc.write_text(_INTERRUPT)
    r = run(sys.executable, sc, data)
    assert r.returncode == 130, (r.returncode, r.stderr[-3000:])
    assert r.stderr.strip().splitlines() == ['prm/prm: interrupted at epoch 1/2; run the same command to resume'], r.stderr
    r = run('wsis-train', 'prm', data, '--epochs', '2', '--set', 'sz=64')
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'prm/prm: resuming from epoch 1/2' in r.stdout and 'running (never run)' not in r.stdout, r.stdout
    assert [l.split()[1] for l in r.stdout.splitlines() if l.startswith('epoch ')] == ['2/2'], r.stdout

def test_second_run_stops_on_the_lock(demo, tmp_path):
    data = _toy_copy(demo, tmp_path/'toy'); lk = data/'models'/'prm'/'.lock'; lk.parent.mkdir(parents=True)
    lk.write_text(json.dumps(dict(pid=os.getpid(), host=socket.gethostname(), start='2026-12-05 06:00:00', command='wsis-train prm toy')))
    r = run('wsis-train', 'prm', data, '--epochs', '1', '--set', 'sz=64')
    assert r.returncode == 1 and f'is in progress: pid {os.getpid()} on {socket.gethostname()}' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not (data/'models'/'prm'/'prm.pth').exists()
