"""Red-team sweep: simple placements and spellings of a resident ID or a mainland mobile in
free text, JSON, form bodies, paths, queries and headers; prints the misses grouped by class.

Run: PYTHONPATH=. .venv/bin/python scripts/placement_sweep.py
"""
import datetime, itertools, json, sys, collections, urllib.parse
from residency_gateway.core.payload import inspect_body, scan_request_line
from residency_gateway.core.idnumber import check_character
K=b"k"*32; T=datetime.date(2026,11,29)
base="11010119900307123"; ID=base+check_character(base)
base2="44030619851231002"; ID2=base2+check_character(base2)
if not ID2.endswith("X"):
    # find one with X
    for s in range(1000):
        b="440306198512310"+f"{s:02d}"[-2:]
        b=b[:17]
        if check_character(b)=="X": ID2=b+"X"; break
MOB="13912345678"
def hit(res, kind):
    if kind=="id": return bool(res.ids)
    return any(getattr(t,'jurisdiction',None)=="CN" for t in res.phones) if res.phones else False
def body(text, ct="text/plain"):
    return inspect_body(text.encode(), content_type=ct, key=K, today=T)
misses=collections.defaultdict(list); total=0
def test(cls, text, kind, ct="text/plain"):
    global total; total+=1
    try: r=body(text, ct)
    except Exception as e: misses[cls+" EXC"].append((text,repr(e))); return
    if not hit(r,kind): misses[cls].append(text)
def testline(cls, path, query, headers, kind):
    global total; total+=1
    r=scan_request_line(path, query, key=K, today=T, headers=headers)
    if not hit(r,kind): misses[cls].append((path,query,headers))
CTX=["", "a","abc","A","x","X","0","1","9","12","2026","0 ","1 "," 0"," 2026","-",".",",",";",":","!","?","#","@","=","~","*","'",'"',"`","(",")","[","]","{","}","<",">","/","\\","|","&","%","+","$","¥","€","£","₹","_","，","。","：","；","（","）","【","】","「","」","、","《","》","“","”","‘","’","…","—","～","😀","📞","\u200b","\u200d","\ufeff","\u00a0","\u3000","\t","\n","\r\n","号码","电话","手机","身份证","tel","Tel:","ph.","No.","#:","id=","phone:","x1","v1","v2/","No","no","ID","id","ext","№","°","²","½","®","™","✓","→","•","·","‐","–","−","ー","〜","´","ª","º"]
NUMS=[("id",ID),("id",ID2),("id",ID2[:-1]+"x"),("mob",MOB),("mob","+86"+MOB),("mob","+86 "+MOB),("mob","0086"+MOB),("mob","86"+MOB),("mob","(86)"+MOB),("mob","86-"+MOB),("mob","+86-139-1234-5678"),("mob","139 1234 5678"),("mob","139-1234-5678"),("mob","+８６ "+MOB)]
for (kind,n),pre,post in itertools.product(NUMS,CTX,CTX):
    if pre and post and not (pre in CTX[:40] or post in CTX[:40]): continue
    dg=lambda c: bool(c) and (c.isdigit() or c in "²½")
    cl=("D" if dg(pre[-1:]) else "-")+("D" if dg(post[:1]) else "-")
    if cl!="--": test(f"ctxglued {kind} {cl} {n[:4]}", pre+n+post, kind); continue
    test(f"ctx {kind} {n} pre={pre!r}", pre+n+post, kind)
# separators inside
SEPS=[" ","-",".","/","_","\u00a0","\u2009","\u3000","\u202f","\u2002","  "," - ","\t","\n","\r\n","~","*",",","，","、","|",":","+","'","·","\u2013","\u2014","\u2212","\u00ad","\u200b","\u2060","·","#"]
IDGROUPS=[[ID[:6],ID[6:14],ID[14:]],[ID[:6],ID[6:10],ID[10:12],ID[12:14],ID[14:]],[ID[:3],ID[3:6],ID[6:9],ID[9:12],ID[12:15],ID[15:]]]
MGROUPS=[[MOB[:3],MOB[3:7],MOB[7:]],[MOB[:3],MOB[3:6],MOB[6:]],[MOB[:3],MOB[3:6],MOB[6:9],MOB[9:]],[MOB[:1],MOB[1:]], ["+86",MOB[:3],MOB[3:7],MOB[7:]], ["0086",MOB],["86",MOB],["+86",MOB]]
for s in SEPS:
    for g in IDGROUPS: test(f"sep id {s!r} {len(g)}g", s.join(g), "id")
    for g in MGROUPS: test(f"sep mob {s!r} {len(g)}g {g[0]}", s.join(g), "mob")
    for pre,post in [("手机：","。"),("tel ", " ok"),("a","b")]:
        test(f"sep mob ctx {s!r}", pre+s.join(MGROUPS[0])+post, "mob")
        test(f"sep id ctx {s!r}", pre+s.join(IDGROUPS[0])+post, "id")
# fullwidth mixed
fw=lambda s:"".join(chr(ord(c)+0xFEE0) if c.isdigit() else c for c in s)
test("fw id", fw(ID),"id"); test("fw mob", fw(MOB),"mob"); test("mixed fw", fw(MOB[:5])+MOB[5:],"mob")
test("fw id X", fw(ID2[:-1])+"Ｘ","id")
# URLs
URLS=["mailto:{n}@x.com","tel:{n}","tel:+86{n}","https://wa.me/86{n}","https://wa.me/{n}","https://x.com/?phone={n}","https://x.com/u/{n}/profile","sms:{n}?body=hi","{n}@163.com","user{n}@qq.com","weixin://{n}","http://x/{n}.jpg","file_{n}.pdf","{n}.png","IMG_{n}_1.jpg","id_{n}"]
for u in URLS:
    test("url mob "+u, u.format(n=MOB),"mob"); test("url id "+u,u.format(n=ID),"id")
# HTML / markdown
HT=["<b>{a}</b>{b}","<span>{a}</span><span>{b}</span>","{a}&nbsp;{b}","{a}&#32;{b}","{a}&#x20;{b}","**{a}**{b}","`{a}`{b}","{a}<br>{b}","{a}<!-- -->{b}","<td>{a}</td><td>{b}</td>","{a}&#8203;{b}","{a}\\u200b{b}","{a}&shy;{b}","[{a}]({b})","{a}<wbr>{b}","_{a}_{b}","~~{a}~~{b}"]
for h in HT:
    test("html mob "+h,h.format(a=MOB[:3],b=MOB[3:]),"mob"); test("html id "+h,h.format(a=ID[:6],b=ID[6:]),"id")
    test("html-ct mob "+h,h.format(a=MOB[:3],b=MOB[3:]),"mob","text/html")
# twice
test("twice mob", MOB+MOB,"mob"); test("twice id", ID+ID,"id"); test("mob id",MOB+ID,"mob"); test("id mob",ID+MOB,"id")
test("twice mob comma", MOB+","+MOB,"mob")
# extensions
for e in ["ext.123","x123","#123","转123","-123","/123",",123","分机8001"]:
    test("ext mob "+e, MOB+e,"mob"); test("ext mob sp "+e, MOB+" "+e,"mob")
# case of X
test("id lower x",ID2[:-1]+"x","id")
# JSON
for (kind,n) in NUMS[:5]:
    for tmpl in ['{{"phone":"{n}"}}','{{"phone":{n}}}','{{"{n}":1}}','["{n}"]','{{"a":"x{n}y"}}','{{"p":"\\u0031{r}"}}','{{"p":"{a}\\n{b}"}}','{{"p":["{a}","{b}"]}}','{{"a":"{a}","b":"{b}"}}','{{"p":{n}.0}}','{{"p":"{a}\\u00a0{b}"}}','{{"p":"{a}\\t{b}"}}','{{"p":"{a}\\/{b}"}}']:
        t=tmpl.format(n=n,r=n[1:],a=n[:6],b=n[6:])
        test("json "+kind+" "+tmpl, t, kind, "application/json")
# form
for (kind,n) in NUMS[:5]:
    for tmpl in ["phone={q}","a=1&phone={q}&b=2","phone={a}+{b}","phone={a}%20{b}","phone={a}%2D{b}","p[]={a}&p[]={b}","phone=%2B86{n}","phone={a}%0A{b}","phone=%E2%80%8B{n}"]:
        t=tmpl.format(q=urllib.parse.quote(n),n=n,a=n[:6],b=n[6:])
        test("form "+kind+" "+tmpl, t, kind, "application/x-www-form-urlencoded")
# paths/query/headers
for (kind,n) in NUMS[:4]+[("mob","+86"+MOB)]:
    for p in ["/u/{n}","/u/{n}/","/v1/{n}","/v1/users/{n}.json","/u/tel:{n}","/u;id={n}","/u/{a}/{b}","/u/{a}-{b}","/u/id{n}","/u/{n}x","/{n}","/u/%2B86{n}","/u/{n}%20","/u/{a}%20{b}","/u/{a}_{b}","/u/{n},2026","/u/0/{n}","/u/{n}~1","/@{n}","/u/{n};v=2"]:
        testline("path "+kind+" "+p, p.format(n=n,a=n[:6],b=n[6:]), "", [], kind)
    for q in ["phone={n}","p={a}&q={b}","phone=+86{n}","phone=%2B86{n}","q={a}+{b}","id={n}&v=1","{n}","x=1;p={n}","p={n}#frag","p=tel%3A{n}","p={a}%2F{b}","cb=https%3A%2F%2Fx%2F%3Fp%3D{n}"]:
        testline("query "+kind+" "+q, "/api", q.format(n=n,a=n[:6],b=n[6:]), [], kind)
    for h,v in [("X-Phone","{n}"),("Cookie","uid={n}; a=b"),("Referer","https://x/?p={n}"),("Authorization","Bearer {n}"),("X-User","tel:{n}"),("User-Agent","App/1.0 ({n})"),("X-Forwarded-For","1.2.3.4, {n}"),("X-Id","{a} {b}"),("Cookie","p={a}%20{b}"),("X-Data","eyJ")]:
        testline("hdr "+kind+" "+h+":"+v, "/api","",[(h,v.format(n=n,a=n[:6],b=n[6:]))],kind)
print("total",total)
for cls,v in sorted(misses.items()):
    print(f"{len(v):4d} {cls} :: {v[0]!r}")
