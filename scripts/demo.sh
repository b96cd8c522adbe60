#!/bin/sh
# `make demo`: fills ./demo.store with the sample dialogs in demo/ and works
# them the way operators would, using nothing but dlg's own commands.
# Runs from the project root after `make dlg`; needs no git identity or $HOME.
set -e

cd "$(dirname "$0")/.."
# dlg commands read dialog ids from standard input when it is a pipe or a file
# (`dlg list -q | dlg close`); under ssh, CI or `... | make demo` it could be
# one, and `dlg list` would then list only the ids found there.
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

# Real channel fetching comes later; for now chat, Telegram and pop-up
# messages are RFC 5322 files imported under their channel's name.  Replies
# join their dialog by In-Reply-To/References, or by subject ("Re: ...")
# when the sender has an open dialog on that channel.
for ch in email chat telegram popup; do
	dir=demo/$ch
	[ $ch = email ] && dir=demo/mail
	msgs=$(find "$dir" -name '*.eml' | wc -l)
	dialogs=$($DLG import --channel "$ch" "$dir" | wc -l)
	printf '%-9s %-12s -> %s\n' "$ch:" "$(count "$msgs" message)" "$(count "$dialogs" dialog)"
done

ivan=$(dialog_of ivan.petrov@example.ru)      # late delivery, three messages
sergey=$(dialog_of s.kuznetsov@example.com)   # charged twice; his "Re:" joined it
james=$(dialog_of james.obrien@example.co.uk) # invoice request, PDF attached
anna=$(dialog_of chat-v20931@chat.invalid)    # chat: sorted it out herself
maria=$(dialog_of tg-48151623@telegram.invalid)
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

heading "dlg list   (open dialogs, newest first; * = the customer is waiting)"
$DLG list

heading "dlg list --waiting   (the customer wrote last and needs an answer)"
$DLG list --waiting

heading "dlg show ${ivan%?????????}   (a thread: three messages, our reply, a note)"
$DLG show "$ivan"

heading "git log --oneline | head   (every change is one commit)"
git -C "$STORE" log --oneline | head

printf '\nTry next:  cd %s && ../dlg list --tag vip   (or: ../dlg user show ivan.petrov@example.ru)\n' "$STORE"
