#!/usr/bin/python3
"""The website chat in a real browser (tests/t0280-chat-browser.sh drives it).

Headless Chromium, through chromedriver and Debian's python3-selenium, opens
a shop page on one 127.0.0.1 origin that embeds the widget from `dlg chat
serve` on another, and plays a visitor while this script plays the operator
with the real dlg.  Each case writes one line to the results file:
"ok<TAB>title" or "not ok<TAB>title<TAB>why"; the shell script turns them
into TAP.
"""
import argparse
import base64
import glob
import json
import os
import subprocess
import time
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

ap = argparse.ArgumentParser()
ap.add_argument('--gateway', required=True)
ap.add_argument('--page', required=True)
ap.add_argument('--store', required=True)
ap.add_argument('--spool', required=True)
ap.add_argument('--results', required=True)
ap.add_argument('--artifacts', required=True)
ap.add_argument('--gateway-pid', required=True, help='its pid file, which the shell script ends at exit')
args = ap.parse_args()
os.makedirs(args.artifacts, exist_ok=True)
results = open(args.results, 'w', encoding='utf-8')
shared = {}  # what one case learns and a later one needs


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = '/usr/bin/chromium'
    for a in ('--headless=new', '--disable-dev-shm-usage', '--window-size=1280,860',
              '--disable-gpu', '--no-first-run', '--lang=ru'):
        opts.add_argument(a)
    if os.geteuid() == 0:
        opts.add_argument('--no-sandbox')
    d = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=opts)
    d.set_script_timeout(20)
    return d


def dlg(*argv, check=True):
    r = subprocess.run(['dlg', '-C', args.store] + list(argv), capture_output=True, text=True)
    if check and r.returncode:
        raise AssertionError('dlg %s: exit %d: %s' % (' '.join(argv), r.returncode, r.stderr))
    return r.stdout


def wait(what, cond, timeout=8.0):
    end = time.time() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.time() > end:
            raise AssertionError('timed out waiting for ' + what)
        time.sleep(0.05)


def case(title):
    def run(fn):
        try:
            fn()
            results.write('ok\t%s\n' % title)
        except Exception as e:  # one case's failure is reported, the next cases still run
            why = '%s: %s' % (type(e).__name__, e)
            results.write('not ok\t%s\t%s\n' % (title, why.replace('\n', ' | ')))
            traceback.print_exc()
        results.flush()
    return run


def spool_messages():
    out = []
    for d in ('new', 'cur'):
        for f in sorted(glob.glob(os.path.join(args.spool, d, '*.json'))):
            with open(f, encoding='utf-8') as fh:
                out.append(json.load(fh))
    return out


def log_text(d):
    return d.find_element(By.CSS_SELECTOR, '.dlgc-log').text


def in_page_fetch(d, path, token, method='GET', body=None):
    """A request from the page's origin, so CORS is the browser's."""
    return d.execute_async_script('''
        const [url, token, method, body, done] = arguments;
        fetch(url, {method, body, headers: Object.assign({Authorization: 'Bearer ' + token},
                                                        body ? {'Content-Type': 'application/json'} : {})})
            .then(r => r.text().then(t => done([r.status, t])))
            .catch(e => done([0, String(e)]));''', args.gateway + path, token, method, body)


def stored(d):
    return json.loads(d.execute_script(
        'return localStorage.getItem(arguments[0]) || "{}"', 'dlgChat:' + args.gateway + '/'))


def open_page(d):
    d.get(args.page)
    wait('the bubble', lambda: d.find_elements(By.CSS_SELECTOR, 'button.dlgc-bubble'))
    wait('the visitor token', lambda: stored(d).get('token'))


a = browser()
open_page(a)


@case('keyboard only: Tab reaches the bubble, Enter opens it with focus in the panel, Escape closes it')
def _():
    body = a.find_element(By.TAG_NAME, 'body')
    body.click()
    for _ in range(12):
        a.switch_to.active_element.send_keys(Keys.TAB)
        if 'dlgc-bubble' in (a.switch_to.active_element.get_attribute('class') or ''):
            break
    bubble = a.switch_to.active_element
    assert 'dlgc-bubble' in bubble.get_attribute('class'), 'Tab never reached the bubble'
    assert bubble.get_attribute('aria-label') == 'Открыть чат', bubble.get_attribute('aria-label')
    bubble.send_keys(Keys.ENTER)
    panel = a.find_element(By.CSS_SELECTOR, '.dlgc-panel')
    wait('the panel', panel.is_displayed)
    assert 'dlgc-input' in a.switch_to.active_element.get_attribute('class'), 'focus is not in the panel'
    assert bubble.get_attribute('aria-expanded') == 'true'
    a.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait('the panel to close', lambda: not panel.is_displayed())
    assert 'dlgc-bubble' in a.switch_to.active_element.get_attribute('class'), 'focus did not go back'


@case('a Russian message with an emoji, a line break by Shift+Enter, sent by Enter, lands in new/ with data-name')
def _():
    a.find_element(By.CSS_SELECTOR, 'button.dlgc-bubble').click()
    box = a.find_element(By.CSS_SELECTOR, '.dlgc-panel textarea')
    wait('focus in the text box', lambda: a.switch_to.active_element == box)
    box.send_keys('Здравствуйте!')
    box.send_keys(Keys.SHIFT, Keys.ENTER)
    box.send_keys('Где мой заказ? ')
    # chromedriver types no character beyond the BMP: an emoji comes as an IME gives it
    a.execute_cdp_cmd('Input.insertText', {'text': '🍵'})
    box.send_keys(Keys.ENTER)
    wait('the message in the spool', lambda: len(spool_messages()) == 1)
    m = spool_messages()[0]
    assert m['text'] == 'Здравствуйте!\nГде мой заказ? 🍵', m
    assert m['visitor'].get('name') == 'Анна Петрова' and m['visitor'].get('email') == 'anna@example.ru', m
    assert m['page'] == args.page, m
    wait('the message shown as the visitor\'s', lambda: 'Где мой заказ? 🍵' in log_text(a))
    assert 'Вы' in log_text(a) and box.get_attribute('value') == ''
    shared['visitor'] = stored(a)['visitor']
    assert m['visitor']['id'] == shared['visitor']


@case('dlg fetch brings it in as one dialog with the visitor\'s name and email on the user card')
def _():
    ids = dlg('fetch').split()
    assert len(ids) == 1, ids
    shared['dialog'] = ids[0]
    show = dlg('show', ids[0])
    assert 'Анна Петрова' in show and 'Где мой заказ? 🍵' in show, show
    assert 'anna@example.ru' in dlg('user', 'show', 'chat:' + shared['visitor'])


@case('an operator\'s dlg reply --send appears in the page within seconds, by the event stream')
def _():
    start = time.time()
    dlg('reply', '--send', '-m', 'Заказ в пути 🚚\nбудет завтра', shared['dialog'])
    wait('the answer in the page', lambda: 'будет завтра' in log_text(a), timeout=5)
    ms = (time.time() - start) * 1000
    print('# answer in the page %.0f ms after dlg reply --send began' % ms)
    last = a.find_elements(By.CSS_SELECTOR, '.dlgc-log .dlgc-op')[-1]
    assert last.find_element(By.CSS_SELECTOR, '.dlgc-author').text == 'alice'
    assert last.find_element(By.CSS_SELECTOR, '.dlgc-text').text == 'Заказ в пути 🚚\nбудет завтра'


@case('an answer\'s file is a download link with its bytes; HTML in an answer is shown, never run')
def _():
    with open('invoice.txt', 'wb') as f:
        f.write('счёт №42\n'.encode() + bytes(range(256)))
    dlg('reply', '--send', '-a', 'invoice.txt', shared['dialog'])
    dlg('reply', '--send', '-m', '<img src=x onerror="window.pwned=1"><b>bold</b>', shared['dialog'])
    link = wait('the download link', lambda: a.find_elements(By.CSS_SELECTOR, '.dlgc-log a.dlgc-file'))[0]
    assert link.get_attribute('download') == 'invoice.txt', link.get_attribute('download')
    data = a.execute_async_script('''
        const done = arguments[1];
        fetch(arguments[0]).then(r => r.arrayBuffer())
            .then(b => done(btoa(String.fromCharCode(...new Uint8Array(b)))));''', link.get_attribute('href'))
    with open('invoice.txt', 'rb') as f:
        assert base64.b64decode(data) == f.read(), 'the link does not hold the file'
    wait('the HTML answer', lambda: '<b>bold</b>' in log_text(a))
    assert not a.find_elements(By.CSS_SELECTOR, '.dlgc img, .dlgc b')
    assert a.execute_script('return window.pwned') is None


@case('a reload shows the whole conversation again: the visitor\'s own messages and the answers')
def _():
    open_page(a)
    a.find_element(By.CSS_SELECTOR, 'button.dlgc-bubble').click()
    wait('the conversation', lambda: 'будет завтра' in log_text(a) and 'Где мой заказ? 🍵' in log_text(a))
    assert len(a.find_elements(By.CSS_SELECTOR, '.dlgc-log .dlgc-msg')) == 4
    a.save_screenshot(os.path.join(args.artifacts, 'chat-widget.png'))


@case('a file over 2 MiB is refused in the browser with a visible message, and never sent')
def _():
    before = len(spool_messages())
    with open('big.bin', 'wb') as f:
        f.write(b'x' * 2097153)
    a.find_element(By.CSS_SELECTOR, '.dlgc-file-input').send_keys(os.path.abspath('big.bin'))
    err = a.find_element(By.CSS_SELECTOR, '.dlgc-error')
    wait('the refusal', err.is_displayed)
    assert err.text == 'Файл больше 2 МБ: он не отправлен.', err.text
    assert not a.find_element(By.CSS_SELECTOR, '.dlgc-chip').is_displayed()
    a.find_element(By.CSS_SELECTOR, '.dlgc-panel textarea').send_keys(Keys.ENTER)
    time.sleep(0.5)
    assert len(spool_messages()) == before


@case('a second browser (a fresh profile) cannot read the first visitor\'s conversation with any token')
def _():
    b = browser()
    try:
        open_page(b)
        b.find_element(By.CSS_SELECTOR, 'button.dlgc-bubble').click()
        time.sleep(1)
        assert 'заказ' not in log_text(b).lower(), log_text(b)
        mine = stored(b)
        assert mine['visitor'] != shared['visitor']
        first = stored(a)['token']
        raw = b.execute_script('return JSON.stringify(localStorage)')
        assert first not in raw and shared['visitor'] not in raw
        status, body = in_page_fetch(b, '/v1/messages', mine['token'])
        assert status == 200 and json.loads(body) == [], (status, body)
        # the first visitor's id under the second's signature, and a changed byte
        decoded = base64.urlsafe_b64decode(mine['token'] + '=' * (-len(mine['token']) % 4))
        forged = base64.urlsafe_b64encode(
            shared['visitor'].encode() + decoded[len(mine['visitor']):]).decode().rstrip('=')
        for t in (forged, mine['token'][:-2] + ('AA' if mine['token'][-2:] != 'AA' else 'BB')):
            status, body = in_page_fetch(b, '/v1/messages', t)
            assert status == 403, (status, body)
    finally:
        b.quit()


@case('the stream comes back after the gateway restarts, with Last-Event-ID, and brings what came meanwhile')
def _():
    with open(args.gateway_pid) as f:
        pid = int(f.read())
    os.kill(pid, 15)
    wait('the gateway to stop', lambda: not os.path.exists('/proc/%d' % pid) or
         open('/proc/%d/stat' % pid).read().split()[2] == 'Z')
    dlg('reply', '--send', '-m', 'Пока вы ждали: посылка у курьера', shared['dialog'])
    time.sleep(1)  # the widget tries, fails, and backs off meanwhile
    port = args.gateway.rsplit(':', 1)[1]
    gw = subprocess.Popen(['dlg', '-C', args.store, 'chat', 'serve', '--channel', 'site',
                           '--listen', '127.0.0.1:' + port], stderr=open('gateway2.log', 'w'))
    with open(args.gateway_pid, 'w') as f:
        f.write('%d\n' % gw.pid)
    start = time.time()
    wait('the answer sent while the gateway was down', lambda: 'посылка у курьера' in log_text(a), timeout=15)
    print('# the stream came back %.1f s after the gateway restarted' % (time.time() - start))
    assert log_text(a).count('посылка у курьера') == 1


@case('in English on an English page; dlgChat.identify() names the visitor, dlgChat.open() opens the panel')
def _():
    c = browser()
    try:
        c.get(args.page.replace('index.html', 'en.html'))
        bubble = wait('the bubble', lambda: c.find_elements(By.CSS_SELECTOR, 'button.dlgc-bubble'))[0]
        assert bubble.get_attribute('aria-label') == 'Open the chat', bubble.get_attribute('aria-label')
        c.execute_script('window.dlgChat.identify({name: "Boris", email: "boris@example.com"});'
                         'window.dlgChat.open()')
        box = c.find_element(By.CSS_SELECTOR, '.dlgc-panel textarea')
        wait('the panel open', box.is_displayed)
        before = len(spool_messages())
        box.send_keys('Do you ship to Riga?', Keys.ENTER)
        wait('the message', lambda: len(spool_messages()) == before + 1)
        m = [m for m in spool_messages() if m.get('text') == 'Do you ship to Riga?'][0]
        assert m['visitor'].get('name') == 'Boris' and m['visitor'].get('email') == 'boris@example.com', m
        wait('the message shown', lambda: 'You' in c.find_element(By.CSS_SELECTOR, '.dlgc-log').text)
    finally:
        c.quit()


@case('an answer while the panel is closed marks the bubble and is read out by its live region')
def _():
    a.find_element(By.CSS_SELECTOR, '.dlgc-close').click()
    dlg('reply', '--send', '-m', 'Курьер будет в 15:00', shared['dialog'])
    bubble = a.find_element(By.CSS_SELECTOR, 'button.dlgc-bubble')
    wait('the mark', lambda: 'dlgc-unread' in bubble.get_attribute('class'))
    assert bubble.get_attribute('aria-label') == 'Открыть чат (новые сообщения)', bubble.get_attribute('aria-label')
    live = a.find_element(By.CSS_SELECTOR, '.dlgc-sr')
    assert live.get_attribute('aria-live') == 'polite' and 'Курьер будет в 15:00' in live.get_attribute('textContent')
    bubble.click()
    wait('the mark gone', lambda: 'dlgc-unread' not in bubble.get_attribute('class'))
    assert 'Курьер будет в 15:00' in log_text(a)


@case('dlg trigger --popup shows as a card; the reply from it carries popup, opens the conversation and joins its dialog')
def _():
    a.find_element(By.CSS_SELECTOR, '.dlgc-close').click()
    popup = dlg('trigger', '--channel', 'site', '--popup', '--user', 'chat:' + shared['visitor'],
                '-m', 'Подобрать чай к заказу? 🍵', '--send').split()[0]
    card = wait('the card', lambda: a.find_elements(By.CSS_SELECTOR, '.dlgc-card'))[0]
    assert 'Подобрать чай к заказу? 🍵' in card.text and 'alice' in card.text, card.text
    assert card.find_element(By.CSS_SELECTOR, '.dlgc-card-close').get_attribute('aria-label') == 'Закрыть сообщение'
    a.save_screenshot(os.path.join(args.artifacts, 'chat-popup.png'))
    before = len(spool_messages())
    box = card.find_element(By.CSS_SELECTOR, 'textarea')
    box.send_keys('Да, зелёный')
    box.send_keys(Keys.ENTER)
    wait('the reply in the spool', lambda: len(spool_messages()) == before + 1)
    wait('the conversation open', a.find_element(By.CSS_SELECTOR, '.dlgc-panel').is_displayed)
    assert not a.find_elements(By.CSS_SELECTOR, '.dlgc-card')
    m = [m for m in spool_messages() if m.get('text') == 'Да, зелёный']
    assert len(m) == 1 and m[0].get('source') == 'popup' and m[0].get('popup'), m
    ids = dlg('fetch').split()
    assert popup in ids, (popup, ids)
    shown = dlg('show', popup)
    assert 'Подобрать чай к заказу?' in shown and 'Да, зелёный' in shown, shown
    # answered, it is a conversation: the next answer comes into the panel, not as a card
    dlg('reply', '--send', '-m', 'Отправим с заказом 🌿', popup)
    wait('the answer in the panel', lambda: 'Отправим с заказом' in log_text(a))
    assert not a.find_elements(By.CSS_SELECTOR, '.dlgc-card')


@case('a page pop-up (dlg trigger --popup --page) comes to the open page as a card; its answer starts a dialog with it')
def _():
    a.find_element(By.CSS_SELECTOR, '.dlgc-close').click()
    out = dlg('trigger', '--channel', 'site', '--popup', '--page', args.page.split('?')[0] + '*',
              '-m', 'Скидка 10% на улуны до пятницы', '--send')
    page_popup = out.split()[0]
    card = wait('the page pop-up card', lambda: [c for c in a.find_elements(By.CSS_SELECTOR, '.dlgc-card')
                                                   if 'Скидка 10%' in c.text])[0]
    before = len(spool_messages())
    box = card.find_element(By.CSS_SELECTOR, 'textarea')
    box.send_keys('Хочу улун')
    box.send_keys(Keys.ENTER)
    wait('the reply in the spool', lambda: len(spool_messages()) == before + 1)
    m = [m for m in spool_messages() if m.get('text') == 'Хочу улун']
    assert len(m) == 1 and m[0].get('popup') == page_popup, (page_popup, m)
    ids = dlg('fetch').split()
    assert len(ids) == 1, ids
    shown = dlg('show', ids[0])
    assert shown.index('Скидка 10%') < shown.rindex('Хочу улун'), shown
    shared['newest'] = ids[0]


@case('an attached file is sent with the message and dlg attachment gets its bytes')
def _():
    before = len(spool_messages())
    with open('photo.bin', 'wb') as f:
        f.write(bytes(range(256)) * 40)
    a.find_element(By.CSS_SELECTOR, '.dlgc-file-input').send_keys(os.path.abspath('photo.bin'))
    chip = a.find_element(By.CSS_SELECTOR, '.dlgc-chip')
    wait('the file chosen', chip.is_displayed)
    box = a.find_element(By.CSS_SELECTOR, '.dlgc-panel textarea')
    box.send_keys('Фото упаковки')
    box.send_keys(Keys.ENTER)
    wait('the message with its file in the spool', lambda: len(spool_messages()) == before + 1)
    # the widget is one conversation: it goes on in the visitor's newest open dialog
    ids = dlg('fetch').split()
    assert ids == [shared['newest']], ids
    with open('photo.bin', 'rb') as f:
        want = f.read()
    listed = [json.loads(l) for l in dlg('attachment', '--json', ids[0]).splitlines()]
    n = [i + 1 for i, at in enumerate(listed) if at.get('name') == 'photo.bin']
    assert len(n) == 1, listed
    r = subprocess.run(['dlg', '-C', args.store, 'attachment', '-o', '-', ids[0], str(n[0])],
                       capture_output=True)
    assert r.stdout == want, 'dlg attachment: exit %d %s' % (r.returncode, r.stderr)


a.quit()
