#!/bin/bash
# Saved replies and their variables; :shortcodes: in replies, notes and
# templates; the editor pre-filled with a template on a terminal.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a dialog whose user has a name and a plan' '
	dlg init -q s &&
	mail m.eml m1@example.ru ivan@example.ru "Где заказ?" &&
	D=$(dlg -C s import m.eml) && echo $D >D &&
	dlg -C s user set ivan@example.ru name="Иван Петров" plan=pro
'

test_expect_success 'template add, list, show, rm: versioned, names checked' '
	dlg -C s template add shipped -m "Здравствуйте, {{ user.name }}! Заказ отправлен :package:
Тариф: {{user.plan}}. Адрес: {{user.email}}. {{operator}}" &&
	git -C s show HEAD:templates/shipped | grep "^Здравствуйте, {{ user.name }}! Заказ отправлен :package:$" &&
	git -C s log -1 --format=%s | grep "^template add shipped$" &&
	echo "Спасибо!" | dlg -C s template add thanks &&
	dlg -C s template list >l && test_line_count = l 2 &&
	grep "^shipped  *Здравствуйте, {{ user.name }}! Заказ отправлен :package:$" l &&
	dlg -C s template show thanks >t && echo "Спасибо!" >expect && test_cmp expect t &&
	dlg -C s template add thanks -m "Спасибо большое!" &&
	git -C s log -1 --format=%s | grep "^template change thanks$" &&
	dlg -C s template rm thanks && test_exit_code 1 dlg -C s template show thanks 2>err &&
	grep "no template .thanks." err &&
	test_exit_code 1 dlg -C s template add "Bad Name" -m x 2>err && grep "not a template name" err &&
	test_exit_code 1 dlg -C s template rm nope 2>err && grep "no template .nope." err
'

test_expect_success 'reply --template fills in the variables and expands shortcodes' '
	D=$(cat D) &&
	dlg -C s reply --template shipped $D &&
	dlg -C s show --json $D >show &&
	grep "Здравствуйте, Иван Петров! Заказ отправлен 📦\\\\nТариф: pro. Адрес: ivan@example.ru. alice" show
'

test_expect_success 'an unknown variable, or one without a value, writes nothing' '
	D=$(cat D) && head=$(git -C s rev-parse HEAD) &&
	dlg -C s template add bad -m "Hello {{user.nickname}}" &&
	test_exit_code 1 dlg -C s template add worse -m "Hello {{nonsense}}" 2>err &&
	grep "unknown variable {{nonsense}}" err &&
	head=$(git -C s rev-parse HEAD) &&
	test_exit_code 1 dlg -C s reply -t bad $D 2>err &&
	grep "template bad: {{user.nickname}}: the user card has no property nickname" err &&
	test_exit_code 1 dlg -C s reply -t worse $D 2>err && grep "no template .worse." err &&
	test_exit_code 1 dlg -C s reply -t nope $D 2>err && grep "no template .nope." err &&
	test_exit_code 2 dlg -C s reply -t bad -m x $D &&
	test "$(git -C s rev-parse HEAD)" = "$head"
'

test_expect_success 'on a terminal the filled-in template opens in $EDITOR; --no-edit skips it' '
	D=$(cat D) &&
	printf "#!/bin/sh\nsed -i \"1s/^/EDITED /\" \"\$1\"\necho \"P.S. :tea:\" >>\"\$1\"\n" >ed.sh && chmod +x ed.sh &&
	# script(1) gives dlg a terminal; its input stays open (sleep) until dlg is done
	sleep 5 | EDITOR=$PWD/ed.sh script -qec "dlg -C s reply --template shipped $D" /dev/null >/dev/null &&
	dlg -C s show --json $D >show &&
	grep "EDITED Здравствуйте, Иван Петров!.*P.S. 🍵" show &&
	sleep 5 | EDITOR=false script -qec "dlg -C s reply --template shipped --no-edit $D" /dev/null >/dev/null &&
	test $(grep -l "X-Dlg-Direction: out" s/dialogs/*/*/$D/cur/* | wc -l) = 3
'

test_expect_success 'shortcodes: replies and notes; \:code: stays text; unknown codes and times stay' '
	D=$(cat D) &&
	dlg -C s reply -m "Готово :+1: \\:smile: :notanemoji: в 10:30:45" $D &&
	dlg -C s note -m "VIP :star:" $D &&
	dlg -C s user note ivan@example.ru -m "любит :tea:" &&
	dlg -C s show $D >show &&
	grep "^Готово 👍 :smile: :notanemoji: в 10:30:45$" show &&
	grep "^VIP ⭐$" show &&
	dlg -C s user show ivan@example.ru | grep "любит 🍵"
'

test_expect_success 'dlg emoji lists shortcodes' '
	dlg emoji smile >out && grep "^:smile:	😄$" out &&
	dlg emoji -q tea | grep "^:tea:$" &&
	test_exit_code 1 dlg emoji zzzzzz 2>err && grep "no shortcode matches .zzzzzz." err &&
	test $(dlg emoji | wc -l) -ge 1500
'

test_done
