"""Derive core/common_passwords.txt (written here from common words, names, keyboard walks,
dates and sequences; nothing is downloaded). Run: python scripts/derive_common_passwords.py"""

from pathlib import Path

words = """password passw0rd pass admin administrator root user guest login welcome letmein
qwerty qwertyuiop asdfgh asdfghjkl zxcvbn zxcvbnm azerty iloveyou loveyou love lovely
monkey dragon master shadow sunshine princess football baseball soccer hockey basketball
superman batman spiderman starwars pokemon naruto doraemon pikachu hello hellokitty
freedom whatever trustno1 secret secure security changeme default temp temporary test
testing tester summer winter spring autumn monday friday sunday january december
sakura tokyo osaka kyoto nagoya fukuoka sapporo yokohama japan nippon nihon samurai ninja
sushi ramen tanaka suzuki sato takahashi watanabe yamamoto nakamura kobayashi ito kato
yoshida yamada sasaki yamaguchi matsumoto inoue kimura hayashi shimizu saito
hikari yume kokoro sora umi hana tsuki hoshi aishiteru daisuki arigato ohayo konnichiwa
kawaii neko inu tora ryu kitsune usagi
company office support service customer center callcenter complaint claim
michael jennifer jessica ashley daniel matthew andrew joshua charlie thomas jordan
computer internet google yahoo facebook twitter instagram apple samsung microsoft windows
linux ubuntu android iphone mustang ferrari porsche toyota honda nissan
cheese chocolate banana orange cookie coffee pizza
abc abcd abcdef abcdefg abcdefgh qazwsx qazwsxedc 1qaz2wsx zaq12wsx 1q2w3e4r 1q2w3e4r5t
q1w2e3r4 q1w2e3r4t5 a1b2c3 a1b2c3d4 asd123 qwe123 zxc123 aaa111
killer hunter ranger tigger ginger buster maggie bailey jasmine flower angel
myspace mypassword mypass newpassword oldpassword nopassword unknown access
""".split()  # noqa: SIM905 (a word list reads better as text)
suffixes = ["", "1", "123", "1234", "12345", "123456", "!", "1!", "123!", "01",
            "2024", "2025", "2026", "@123", "00", "1111"]
def leet(w):
    return w.translate(str.maketrans({"a": "@", "o": "0", "e": "3", "i": "1", "s": "$"}))
out = set()
for w in words:
    for base in {w, leet(w)}:
        for s in suffixes:
            out.add(base + s)
    out.add(w + w)
    out.add(w[::-1])
digits = "01234567890"
for n in range(4, 21):
    out.add(digits[1:][:n] if n <= 9 else ("1234567890" * 3)[:n])
    out.add(("9876543210" * 3)[:n])
    for d in "0123456789":
        out.add(d * n)
    for c in "abcdefghijklmnopqrstuvwxyz":
        if n >= 6:
            out.add(c * n)
for walk in ["qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc", "qazwsxedcrfv", "poiuytrewq",
             "mnbvcxz", "lkjhgfdsa", "!qaz@wsx", "1q2w3e4r5t6y", "qweasdzxc", "qweasd", "asdzxc"]:
    for s in ["", "1", "123", "!", "12345"]:
        out.add(walk + s)
for y in range(1950, 2031):
    out.add(str(y)); out.add(f"{y}{y}")
    for m in range(1, 13):
        out.add(f"{y}{m:02d}"); 

for phrase in ["iloveyou", "letmein", "changeme", "welcome", "password", "trustno1", "opensesame",
               "correcthorsebatterystaple", "thequickbrownfox", "onetwothree", "abc123456789",
               "password1234", "passwordpassword", "qwerty123456", "welcome12345", "admin12345678",
               "administrator1", "iloveyou1234", "1234567890ab", "abcd12345678", "password!234"]:
    out.add(phrase)
out = sorted({x.lower() for x in out if len(x) >= 6 and x.strip() == x})
(Path(__file__).resolve().parent.parent / "core" / "common_passwords.txt").open("w").write(
    "# Common passwords refused by core.passwords (derived for this app: common words, names,\n"
    "# keyboard walks, dates and sequences with the usual suffixes). One a line, compared\n"
    "# case-insensitively. Extend freely; keep it a plain text file.\n" + "\n".join(out) + "\n")
