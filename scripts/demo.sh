#!/bin/sh
# `make demo`: fills ./demo.store with the sample dialogs in demo/ and works
# them the way operators would, using nothing but dlg's own commands.
# Runs from the project root after `make dlg`; needs no git identity or $HOME.
set -e

cd "$(dirname "$0")/.."
# Commands that act on dialogs read ids from standard input when they are
# given none and it is a pipe or a file (`dlg list -q | dlg close`); under
# ssh, CI or `... | make demo` it could be one.  The demo names its ids.
exec </dev/null
STORE=demo.store
DLG="./dlg -C $STORE"

# Who acts: alice unless the caller says otherwise.  dlg signs its commits with
# the operator's name, so no git user.name/user.email is needed.
: "${DLG_OPERATOR:=alice}"
export DLG_OPERATOR

bold='' off=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	bold=$(printf '\033[1m') off=$(printf '\033[m')
fi
heading() {
	printf '\n%s== %s%s\n' "$bold" "$*" "$off"
}

# The full id of the one dialog a user has (by the address they wrote from).
dialog_of() {
	id=$($DLG list -q --status all --user "$1")
	case $id in
	'' | *"
"*)
		echo >&2 "demo: expected one dialog for $1, got: ${id:-none}"
		exit 1
		;;
	esac
	echo "$id"
}

# "3 messages" / "1 dialog"
count() {
	if [ "$1" -eq 1 ]; then echo "1 $2"; else echo "$1 ${2}s"; fi
}

heading "A fresh store: $STORE (operator: $DLG_OPERATOR)"
rm -rf "$STORE"
./dlg init -q "$STORE"
# Where answers come from (else OPERATOR@dlg.invalid); per store, not per user.
git -C "$STORE" config dlg.email support@chaynaya-lavka.example

# Email arrives as files here (dlg fetch reads IMAP mailboxes in production).
msgs=$(find demo/mail -name '*.eml' | wc -l)
dialogs=$($DLG import demo/mail | wc -l)
printf '%-9s %-12s -> %s\n' "email:" "$(count "$msgs" message)" "$(count "$dialogs" dialog)"

# The website's chat and pop-ups: the site's backend drops one JSON file per
# visitor message into a spool (tmp/, then new/); dlg fetch takes them in.
SPOOL=$PWD/demo.spool
rm -rf "$SPOOL" && mkdir -p "$SPOOL/tmp" "$SPOOL/new"
for f in demo/chat/*.json; do
	cp "$f" "$SPOOL/tmp/" && mv "$SPOOL/tmp/${f##*/}" "$SPOOL/new/"
done
$DLG channel add site --type chat --spool "$SPOOL"
msgs=$(ls "$SPOOL/new" | wc -l)
dialogs=$($DLG fetch site | wc -l)
printf '%-9s %-12s -> %s\n' "chat:" "$(count "$msgs" message)" "$(count "$dialogs" dialog)"

# Telegram: a local stand-in for the Bot API (the one the tests use) plays
# api.telegram.org, with Maria's two messages waiting for the bot.
PEER_DIR=$PWD/demo.peer
rm -rf "$PEER_DIR" && mkdir -p "$PEER_DIR"
python3 tests/peers/telegram.py --port-file "$PEER_DIR/port" --state "$PEER_DIR" \
	--lifetime 120 >"$PEER_DIR/log" 2>&1 &
peer_pid=$!
trap 'kill $peer_pid 2>/dev/null' EXIT
for _ in $(seq 100); do [ -s "$PEER_DIR/port" ] && break; sleep 0.05; done
PEER=http://127.0.0.1:$(cat "$PEER_DIR/port")
for f in demo/telegram/*.json; do
	python3 tests/peers/ctl.py "$PEER/_ctl/message" "$(cat "$f")" >/dev/null
done
echo 123:TESTTOKEN | $DLG channel add tg --type telegram --api-url "$PEER" --token-file -
dialogs=$($DLG fetch tg | wc -l)
printf '%-9s %-12s -> %s\n' "telegram:" "$(count 2 message)" "$(count "$dialogs" dialog)"
echo "(dlg channel list:)"
$DLG channel list

ivan=$(dialog_of ivan.petrov@example.ru)      # late delivery, three messages
sergey=$(dialog_of s.kuznetsov@example.com)   # charged twice; his "Re:" joined it
james=$(dialog_of james.obrien@example.co.uk) # invoice request, PDF attached
anna=$(dialog_of chat:v20931)                 # chat: sorted it out herself
oliver=$(dialog_of chat:v21187)
maria=$(dialog_of telegram:48151623)
popup=$($DLG list -q --channel popup)

heading "Operators at work"
set -- \
	"tag +vip +delivery $ivan" \
	"tag +billing $sergey" \
	"tag +vip +billing $james" \
	"tag +delivery $popup" \
	"assign bob $maria" \
	"close $anna"
for c; do
	echo "\$ dlg $c"
	# shellcheck disable=SC2086 # split into the command's words
	$DLG $c
done
echo "\$ dlg user set ivan.petrov@example.ru plan=pro city=Москва"
$DLG user set ivan.petrov@example.ru plan=pro city=Москва
echo "\$ dlg reply -m '...' $ivan"
$DLG reply -m "Иван, добрый день!

Простите за эту историю. Посылка застряла на сортировочном складе СДЭК,
мы открыли претензию и сегодня же отправили вам заказ повторно, курьером,
за наш счёт. Новый трек-номер пришлём в течение дня.

Если удобнее вернуть деньги — напишите, оформим возврат 7 850 ₽ сразу.

Служба поддержки «Чайной лавки»" "$ivan"
echo "\$ dlg note -m '...' $ivan"
$DLG note -m "Повторная отправка согласована со складом (Пётр). Претензия в СДЭК №CL-5531.
Если до 27.11 трек не появится — возврат без вопросов." "$ivan"

heading "Answers go back through the channel each customer wrote from"
echo "\$ dlg reply --send -m '...' $maria     (Telegram)"
DLG_OPERATOR=bob $DLG reply --send -m "Мария, конечно! Упакуем в крафт с лентой и вложим открытку \
с вашим текстом — бесплатно 🎁" "$maria"
echo "\$ dlg reply -m '...' $oliver; dlg send $oliver     (website chat)"
$DLG reply -m "Hi Oliver! Tieguanyin 100 g is back on 10 December; we can reserve three for you 🍵" "$oliver"
$DLG send "$oliver"
# Ivan's answer (queued above) goes out by SMTP: a real SMTP server
# (aiosmtpd, as in the tests) listens on 127.0.0.1 and keeps what it gets.
SMTP_DIR=$PWD/demo.peer/smtp
/usr/bin/python3 tests/peers/smtp.py --port-file "$SMTP_DIR.port" --maildir "$SMTP_DIR" \
	--lifetime 120 >"$SMTP_DIR.log" 2>&1 &
smtp_pid=$!
trap 'kill $peer_pid $smtp_pid 2>/dev/null' EXIT
for _ in $(seq 100); do [ -s "$SMTP_DIR.port" ] && break; sleep 0.05; done
echo "\$ dlg channel add mail --type email --smtp smtp://127.0.0.1:$(cat "$SMTP_DIR.port") --address support@chaynaya-lavka.example; dlg send $ivan"
$DLG channel add mail --type email --smtp "smtp://127.0.0.1:$(cat "$SMTP_DIR.port")" \
	--address support@chaynaya-lavka.example
$DLG send "$ivan"
echo "(what the SMTP server received:)"
for f in "$SMTP_DIR"/new/*; do
	python3 -c 'import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for h in ("X-RcptTo", "From", "Subject", "In-Reply-To"):
    print("  %s: %s" % (h, m[h]))' "$f"
done
echo "\$ dlg template add shipping-kz -m '...'; dlg reply --template shipping-kz --send $popup     (pop-up)"
$DLG template add shipping-kz -m "Hi {{user.name}}! Yes, we ship to Kazakhstan :airplane: \
in 7-10 days; you pay in roubles at checkout. — {{operator}}"
$DLG reply --template shipping-kz --no-edit --send "$popup"
echo "(what the Bot API peer received:)"
python3 tests/peers/ctl.py "$PEER/_ctl/sent" |
	python3 -c 'import json,sys; [print("  sendMessage chat_id=%s: %s" % (m["chat_id"], m.get("text", ""))) for m in json.load(sys.stdin)]'
echo "(what the site will deliver, $SPOOL/out/:)"
for f in "$SPOOL"/out/*.json; do
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("  to visitor %s (%s): %s" % (m["visitor"], m["source"], m["text"]))' "$f"
done

heading "dlg list   (open dialogs, newest first; * = the customer is waiting)"
$DLG list

heading "dlg list --waiting   (the customer wrote last and needs an answer)"
$DLG list --waiting

heading "dlg show ${ivan%?????????}   (a thread: three messages, our reply, a note)"
$DLG show "$ivan"

heading "git log --oneline | head   (every change is one commit)"
git -C "$STORE" log --oneline | head

printf '\nTry next:  cd %s && ../dlg list --tag vip   (or: ../dlg user show ivan.petrov@example.ru)\n' "$STORE"
