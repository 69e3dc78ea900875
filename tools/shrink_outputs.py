"Shrink notebook outputs for git/docs: PNG figures -> JPEG (q=62, max side 800 px), progress-bar noise removed from streams."
import json, sys, base64, io, re
from PIL import Image
for fn in sys.argv[1:]:
    nb = json.load(open(fn)); before = len(json.dumps(nb))
    for c in nb['cells']:
        outs = []
        for o in c.get('outputs', []):
            d = o.get('data', {})
            if 'image/png' in d:
                raw = d['image/png']; raw = ''.join(raw) if isinstance(raw, list) else raw
                im = Image.open(io.BytesIO(base64.b64decode(raw))).convert('RGB')
                s = 800/max(im.size)
                if s < 1: im = im.resize((round(im.width*s), round(im.height*s)), Image.LANCZOS)
                b = io.BytesIO(); im.save(b, 'JPEG', quality=62, optimize=True)
                if b.tell() < len(raw)*3//4:
                    del d['image/png']; d['image/jpeg'] = base64.b64encode(b.getvalue()).decode()
                    md = o.get('metadata', {})
                    if 'image/png' in md: md['image/jpeg'] = md.pop('image/png')
            if o.get('output_type') == 'stream':
                txt = ''.join(o['text']) if isinstance(o['text'], list) else o['text']
                lines = [l for l in re.split(r'[\r\n]', txt) if l.strip() and '█' not in l and '|----' not in l and 'Epoch ' not in l]
                if not lines: continue
                o['text'] = '\n'.join(lines) + '\n'
            outs.append(o)
        if 'outputs' in c: c['outputs'] = outs
    json.dump(nb, open(fn, 'w'), indent=1, ensure_ascii=False); open(fn, 'a').write('\n')
    print(fn, before//1000, '->', len(json.dumps(nb))//1000, 'KB')
