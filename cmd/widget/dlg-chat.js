/*
 * dlg's website chat widget, served by `dlg chat serve` as /widget.js and
 * embedded with one tag:
 *   <script src="https://chat.shop.example/widget.js" data-name="Anna"
 *           data-email="a@b.c" async></script>
 * No dependencies, no build step.  Everything received (answers, pop-ups)
 * is shown through text nodes only, never as HTML: an operator's text or a
 * forged answer must not run in the shop's page.
 */
(function () {
	'use strict';
	if (window.dlgChat && window.dlgChat.version)
		return;

	var FILE_MAX = 2097152;  /* bytes: the gateway refuses more too */
	var TEXT_MAX = 4096;     /* characters */
	var BACKOFF_MAX = 30000; /* ms between reconnections of the event stream */

	var STRINGS = {
		en: {
			open: 'Open the chat', close: 'Close the chat', title: 'Chat with us',
			you: 'You', support: 'Support', send: 'Send', attach: 'Attach a file',
			removeFile: 'Remove the file', message: 'Your message',
			placeholder: 'Write a message…', empty: 'Ask us anything: we answer here.',
			tooBig: 'The file is larger than 2 MB: it was not sent.',
			tooLong: 'The message is too long.', tooMany: 'Too many messages: try again in a moment.',
			failed: 'The message was not sent: try again.', reply: 'Reply', replyPlaceholder: 'Your answer…',
			closeCard: 'Close the message', popupFrom: 'Message from', newMessages: 'new messages',
			download: 'Download'
		},
		ru: {
			open: 'Открыть чат', close: 'Закрыть чат', title: 'Напишите нам',
			you: 'Вы', support: 'Поддержка', send: 'Отправить', attach: 'Прикрепить файл',
			removeFile: 'Убрать файл', message: 'Ваше сообщение',
			placeholder: 'Напишите сообщение…', empty: 'Спросите что угодно: ответим здесь.',
			tooBig: 'Файл больше 2 МБ: он не отправлен.',
			tooLong: 'Сообщение слишком длинное.', tooMany: 'Слишком много сообщений: попробуйте чуть позже.',
			failed: 'Сообщение не отправлено: попробуйте ещё раз.', reply: 'Ответить', replyPlaceholder: 'Ваш ответ…',
			closeCard: 'Закрыть сообщение', popupFrom: 'Сообщение от', newMessages: 'новые сообщения',
			download: 'Скачать'
		}
	};
	var lang = /^ru\b/i.test(document.documentElement.lang || '') ? 'ru' : 'en';
	var T = STRINGS[lang];

	var script = document.currentScript || (function () {
		var all = document.querySelectorAll('script[src*="widget.js"]');
		return all[all.length - 1];
	})();
	if (!script)
		return;
	/* the gateway's base: where widget.js came from, also behind a path on a proxy */
	var base = new URL('.', script.src).href;
	var storeKey = 'dlgChat:' + base;

	/* What survives a reload: the token, the visitor's own messages (the
	   gateway gives back only answers), and the pop-ups already handled. */
	var state = load();
	if (script.getAttribute('data-name'))
		state.name = script.getAttribute('data-name');
	if (script.getAttribute('data-email'))
		state.email = script.getAttribute('data-email');
	var answers = [];        /* from the gateway, oldest first */
	var answerIds = {};
	var lastEventId = null;
	var pendingFile = null;
	var registering = null;
	var ui = {};

	function load() {
		var s = null;
		try {
			s = JSON.parse(localStorage.getItem(storeKey) || 'null');
		} catch (e) { /* storage blocked or garbled: start afresh */ }
		if (!s || typeof s !== 'object')
			s = {};
		if (!Array.isArray(s.own))
			s.own = [];
		if (!s.handled || typeof s.handled !== 'object')
			s.handled = {};
		return s;
	}

	function save() {
		try {
			localStorage.setItem(storeKey, JSON.stringify(state));
		} catch (e) { /* full or blocked: the conversation lives until the page goes */ }
	}

	function el(tag, cls, attrs, text) {
		var e = document.createElement(tag);
		if (cls)
			e.className = cls;
		for (var k in attrs || {})
			e.setAttribute(k, attrs[k]);
		if (text != null)
			e.textContent = String(text);
		return e;
	}

	/* Icons drawn, not emoji: a page's fonts may have no emoji at all. */
	var ICONS = {
		chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
		clip: 'M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9'
	};

	function icon(name) {
		var ns = 'http://www.w3.org/2000/svg';
		var svg = document.createElementNS(ns, 'svg');
		var path = document.createElementNS(ns, 'path');
		svg.setAttribute('viewBox', '0 0 24 24');
		svg.setAttribute('aria-hidden', 'true');
		svg.setAttribute('focusable', 'false');
		svg.setAttribute('class', 'dlgc-icon');
		path.setAttribute('d', ICONS[name]);
		svg.appendChild(path);
		return svg;
	}

	function str(v) {
		return typeof v === 'string' ? v : '';
	}

	/* ---- the gateway ---- */

	function api(path, opts) {
		opts = opts || {};
		var headers = opts.headers || {};
		if (state.token && path !== 'v1/visitors')
			headers.Authorization = 'Bearer ' + state.token;
		return fetch(base + path, {
			method: opts.method || 'GET', headers: headers, body: opts.body,
			mode: 'cors', credentials: 'omit', cache: 'no-store', signal: opts.signal
		});
	}

	function register() {
		if (registering)
			return registering;
		registering = api('v1/visitors', {
			method: 'POST', headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(identity({ page: location.href }))
		}).then(function (r) {
			if (r.status !== 201)
				throw new Error('register: ' + r.status);
			return r.json();
		}).then(function (j) {
			state.visitor = str(j.visitor);
			state.token = str(j.token);
			state.own = [];
			save();
		}).finally(function () {
			registering = null;
		});
		return registering;
	}

	/* A token the gateway no longer takes (expired, a new key): a new visitor. */
	function authorized(call) {
		var go = function () { return call().then(function (r) {
			if (r.status !== 403)
				return r;
			state.token = null;
			return register().then(call);
		}); };
		return state.token ? go() : register().then(call);
	}

	function identity(o) {
		if (state.name)
			o.name = state.name;
		if (state.email)
			o.email = state.email;
		return o;
	}

	function loadAnswers() {
		return authorized(function () { return api('v1/messages'); }).then(function (r) {
			return r.ok ? r.json() : [];
		}).then(function (list) {
			if (Array.isArray(list))
				list.forEach(function (a) { addAnswer(a, false); });
			render();
		});
	}

	function loadPagePopups() {
		return api('v1/popups?page=' + encodeURIComponent(location.href)).then(function (r) {
			return r.ok ? r.json() : [];
		}).then(function (list) {
			if (Array.isArray(list))
				list.forEach(function (p) { showPopup(p); });
		}).catch(function () { /* a gateway without page pop-ups */ });
	}

	/* ---- the event stream: fetch() so that the token goes in a header ---- */

	function stream(delay) {
		var controller = new AbortController();
		var headers = {};
		if (lastEventId)
			headers['Last-Event-ID'] = lastEventId;
		var retry = function () {
			var next = Math.min(BACKOFF_MAX, delay ? delay * 2 : 1000);
			setTimeout(function () { stream(next); }, next / 2 + Math.random() * next / 2);
		};
		authorized(function () {
			return api('v1/events?page=' + encodeURIComponent(location.href),
				   { headers: headers, signal: controller.signal });
		}).then(function (r) {
			if (!r.ok || !r.body)
				throw new Error('events: ' + r.status);
			delay = 0;
			/* page pop-ups published while the stream was down: events carry no id to catch up by */
			loadPagePopups();
			return readEvents(r.body.getReader());
		}).then(retry, retry);
	}

	function readEvents(reader) {
		var decoder = new TextDecoder();
		var buf = '', ev = { data: [] };
		function line(l) {
			if (l === '') {
				if (ev.data.length)
					dispatch(ev.type || 'message', ev.data.join('\n'), ev.id);
				ev = { data: [] };
				return;
			}
			if (l[0] === ':')
				return;
			var i = l.indexOf(':');
			var field = i < 0 ? l : l.slice(0, i);
			var value = i < 0 ? '' : l.slice(i + 1).replace(/^ /, '');
			if (field === 'data')
				ev.data.push(value);
			else if (field === 'event')
				ev.type = value;
			else if (field === 'id' && value.indexOf('\0') < 0)
				ev.id = value;
		}
		function pump() {
			return reader.read().then(function (chunk) {
				if (chunk.done)
					return;
				buf += decoder.decode(chunk.value, { stream: true });
				var parts = buf.split(/\r\n|\r|\n/);
				buf = parts.pop();
				parts.forEach(line);
				return pump();
			});
		}
		return pump();
	}

	function dispatch(type, data, id) {
		var j;
		try {
			j = JSON.parse(data);
		} catch (e) {
			return;
		}
		if (!j || typeof j !== 'object')
			return;
		if (type === 'reply') {
			if (id)
				lastEventId = id;
			if (addAnswer(j, true))
				render();
		} else if (type === 'popup') {
			showPopup(j);
		}
	}

	/* ---- the conversation ---- */

	function addAnswer(a, live) {
		var id = str(a.id);
		if (!id || answerIds[id] || a.visitor !== state.visitor && a.visitor != null)
			return false;
		answerIds[id] = true;
		answers.push(a);
		lastEventId = id;
		if (a.source === 'popup')
			showPopup(a);
		else if (live && !isOpen()) {
			setUnread(true);
			/* the log is hidden with the panel: say it where it is heard */
			ui.live.textContent = (str(a.operator) || T.support) + ': ' + str(a.text);
		}
		return true;
	}

	function timeOf(iso) {
		var d = new Date(iso);
		if (isNaN(d))
			return '';
		var now = new Date();
		var opts = { hour: '2-digit', minute: '2-digit' };
		if (d.toDateString() !== now.toDateString()) {
			opts.day = 'numeric';
			opts.month = 'short';
		}
		return d.toLocaleString(lang, opts);
	}

	function entries() {
		var list = state.own.map(function (m) { return { own: true, m: m }; })
			.concat(answers.map(function (a) { return { own: false, m: a }; }));
		list.forEach(function (e, i) {
			e.at = Date.parse(e.m.date) || 0;
			e.i = i;
		});
		return list.sort(function (x, y) { return x.at - y.at || x.i - y.i; });
	}

	function attachmentLink(att) {
		var name = str(att.name) || 'file';
		var link = el('a', 'dlgc-file', { download: name, rel: 'noopener' },
			      name + (att.size ? ' (' + size(att.size) + ')' : ''));
		try {
			var bytes = atob(str(att.data));
			var arr = new Uint8Array(bytes.length);
			for (var i = 0; i < bytes.length; i++)
				arr[i] = bytes.charCodeAt(i);
			/* a download, whatever type the answer claims: never rendered in the page */
			link.href = URL.createObjectURL(new Blob([arr], { type: 'application/octet-stream' }));
		} catch (e) {
			link.removeAttribute('download');
		}
		link.setAttribute('aria-label', T.download + ' ' + name);
		return link;
	}

	function size(n) {
		n = Number(n) || 0;
		return n < 1024 ? n + ' B' : n < 1048576 ? Math.round(n / 1024) + ' KB' :
			(n / 1048576).toFixed(1) + ' MB';
	}

	var rendered = 0;

	function render() {
		if (!ui.log)
			return;
		var list = entries();
		/* everything again only when something came out of order; else append */
		var all = list.length < rendered || ui.log.childElementCount !== rendered;
		if (all) {
			while (ui.log.firstChild)
				ui.log.removeChild(ui.log.firstChild);
			rendered = 0;
		}
		var keys = {};
		Array.prototype.forEach.call(ui.log.children, function (c) { keys[c.dataset.key] = true; });
		list.forEach(function (e) {
			var key = (e.own ? 'o:' : 'a:') + str(e.m.id);
			if (keys[key])
				return;
			ui.log.appendChild(messageNode(e, key));
			rendered++;
		});
		ui.empty.hidden = list.length > 0;
		ui.log.scrollTop = ui.log.scrollHeight;
	}

	function messageNode(e, key) {
		var m = e.m;
		var item = el('div', 'dlgc-msg ' + (e.own ? 'dlgc-own' : 'dlgc-op'));
		item.dataset.key = key;
		var head = el('div', 'dlgc-meta');
		head.appendChild(el('span', 'dlgc-author', null, e.own ? T.you : str(m.operator) || T.support));
		head.appendChild(el('time', 'dlgc-time', { datetime: str(m.date) }, timeOf(m.date)));
		item.appendChild(head);
		if (str(m.text))
			item.appendChild(el('div', 'dlgc-text', null, m.text));
		if (e.own && m.file)
			item.appendChild(el('div', 'dlgc-file', null, str(m.file.name) + ' (' + size(m.file.size) + ')'));
		if (!e.own && Array.isArray(m.attachments))
			m.attachments.forEach(function (a) {
				if (a && typeof a === 'object')
					item.appendChild(attachmentLink(a));
			});
		return item;
	}

	/* ---- sending ---- */

	function send(text, popup) {
		var file = popup ? null : pendingFile;
		if (!text.trim() && !file)
			return Promise.resolve(false);
		if (Array.from(text).length > TEXT_MAX) {
			showError(T.tooLong);
			return Promise.resolve(false);
		}
		var fields = identity({ page: location.href });
		if (text)
			fields.text = text;
		if (popup)
			fields.popup = popup;
		var body, headers = {};
		if (file) {
			body = new FormData();
			Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
			body.append('file', file, file.name);
		} else {
			headers['Content-Type'] = 'application/json';
			body = JSON.stringify(fields);
		}
		showError('');
		return authorized(function () {
			return api('v1/messages', { method: 'POST', headers: headers, body: body });
		}).then(function (r) {
			if (r.status === 201)
				return r.json().then(function (j) {
					var own = { id: str(j.id), text: text, date: new Date().toISOString() };
					if (popup)
						own.popup = popup;
					if (file)
						own.file = { name: file.name, size: file.size };
					state.own.push(own);
					save();
					setFile(null);
					render();
					return true;
				});
			showError(r.status === 413 ? (file ? T.tooBig : T.tooLong) :
				  r.status === 429 ? T.tooMany : T.failed);
			return false;
		}).catch(function () {
			showError(T.failed);
			return false;
		});
	}

	function showError(text) {
		ui.error.textContent = text;
		ui.error.hidden = !text;
	}

	function setFile(file) {
		if (file && file.size > FILE_MAX) {
			showError(T.tooBig);
			file = null;
		} else if (file) {
			showError('');
		}
		pendingFile = file;
		ui.fileInput.value = '';
		ui.chip.hidden = !file;
		ui.chipName.textContent = file ? file.name + ' (' + size(file.size) + ')' : '';
	}

	/* ---- pop-up cards ---- */

	function showPopup(p) {
		var id = str(p.id);
		if (!id || state.handled[id] || ui.cards.querySelector('[data-popup="' + CSS.escape(id) + '"]'))
			return;
		var operator = str(p.operator) || T.support;
		var card = el('section', 'dlgc-card', { 'aria-label': T.popupFrom + ' ' + operator });
		card.dataset.popup = id;
		var head = el('div', 'dlgc-meta');
		head.appendChild(el('span', 'dlgc-author', null, operator));
		head.appendChild(el('time', 'dlgc-time', { datetime: str(p.date) }, timeOf(p.date)));
		var closeBtn = el('button', 'dlgc-card-close', { type: 'button', 'aria-label': T.closeCard, title: T.closeCard }, '×');
		var text = el('div', 'dlgc-text', null, str(p.text));
		var form = el('form', 'dlgc-card-form');
		var input = el('textarea', 'dlgc-input', { rows: '1', 'aria-label': T.reply, placeholder: T.replyPlaceholder });
		var sendBtn = el('button', 'dlgc-send', { type: 'submit' }, T.reply);
		form.appendChild(input);
		form.appendChild(sendBtn);
		[closeBtn, head, text, form].forEach(function (n) { card.appendChild(n); });
		var done = function () {
			state.handled[id] = true;
			save();
			card.remove();
		};
		closeBtn.addEventListener('click', function () {
			done();
			ui.bubble.focus();
		});
		var submit = function () {
			sendBtn.disabled = true;
			send(input.value, id).then(function (ok) {
				sendBtn.disabled = false;
				if (ok) {
					done();
					open();
				}
			});
		};
		form.addEventListener('submit', function (e) { e.preventDefault(); submit(); });
		enterSends(input, submit);
		card.addEventListener('keydown', function (e) {
			if (e.key === 'Escape') {
				done();
				ui.bubble.focus();
			}
		});
		ui.cards.appendChild(card);
		ui.live.textContent = T.popupFrom + ' ' + operator + ': ' + str(p.text);
	}

	/* ---- the page's part ---- */

	function enterSends(textarea, submit) {
		textarea.addEventListener('keydown', function (e) {
			if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
				e.preventDefault();
				submit();
			}
		});
	}

	function isOpen() {
		return ui.panel && !ui.panel.hidden;
	}

	function setUnread(on) {
		ui.bubble.classList.toggle('dlgc-unread', on);
		ui.bubble.setAttribute('aria-label', on ? T.open + ' (' + T.newMessages + ')' : T.open);
	}

	function open() {
		ui.panel.hidden = false;
		ui.bubble.setAttribute('aria-expanded', 'true');
		setUnread(false);
		render();
		ui.input.focus();
	}

	function close() {
		ui.panel.hidden = true;
		ui.bubble.setAttribute('aria-expanded', 'false');
		ui.bubble.focus();
	}

	function build() {
		var root = el('div', 'dlgc', { lang: lang });
		root.style.visibility = 'hidden'; /* until its styles are in */
		var css = el('link', null, { rel: 'stylesheet', href: base + 'widget.css' });
		css.onload = css.onerror = function () { root.style.visibility = ''; };
		document.head.appendChild(css);

		ui.cards = el('div', 'dlgc-cards');
		ui.panel = el('section', 'dlgc-panel', { id: 'dlgc-panel', 'aria-label': T.title });
		ui.panel.hidden = true;
		var header = el('div', 'dlgc-header');
		header.appendChild(el('h2', 'dlgc-title', null, T.title));
		var closeBtn = el('button', 'dlgc-close', { type: 'button', 'aria-label': T.close, title: T.close }, '×');
		header.appendChild(closeBtn);
		ui.log = el('div', 'dlgc-log', { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0' });
		ui.empty = el('p', 'dlgc-empty', null, T.empty);
		ui.error = el('p', 'dlgc-error', { role: 'alert' });
		ui.error.hidden = true;
		ui.chip = el('div', 'dlgc-chip');
		ui.chip.hidden = true;
		ui.chipName = el('span', 'dlgc-chip-name');
		var removeFile = el('button', 'dlgc-chip-remove', { type: 'button', 'aria-label': T.removeFile, title: T.removeFile }, '×');
		ui.chip.appendChild(ui.chipName);
		ui.chip.appendChild(removeFile);
		var form = el('form', 'dlgc-form');
		ui.fileInput = el('input', 'dlgc-file-input', { type: 'file', tabindex: '-1', 'aria-hidden': 'true' });
		var attach = el('button', 'dlgc-attach', { type: 'button', 'aria-label': T.attach, title: T.attach });
		attach.appendChild(icon('clip'));
		ui.input = el('textarea', 'dlgc-input', { rows: '2', 'aria-label': T.message, placeholder: T.placeholder });
		ui.send = el('button', 'dlgc-send', { type: 'submit' }, T.send);
		[ui.fileInput, attach, ui.input, ui.send].forEach(function (n) { form.appendChild(n); });
		[header, ui.empty, ui.log, ui.error, ui.chip, form].forEach(function (n) { ui.panel.appendChild(n); });
		ui.bubble = el('button', 'dlgc-bubble', {
			type: 'button', 'aria-label': T.open, 'aria-expanded': 'false', 'aria-controls': 'dlgc-panel'
		});
		ui.bubble.appendChild(icon('chat'));
		/* pop-ups are announced here: the log is hidden while the panel is closed */
		ui.live = el('div', 'dlgc-sr', { 'aria-live': 'polite' });
		[ui.cards, ui.panel, ui.bubble, ui.live].forEach(function (n) { root.appendChild(n); });
		document.body.appendChild(root);

		ui.bubble.addEventListener('click', function () { isOpen() ? close() : open(); });
		closeBtn.addEventListener('click', close);
		ui.panel.addEventListener('keydown', function (e) {
			if (e.key === 'Escape')
				close();
		});
		attach.addEventListener('click', function () { ui.fileInput.click(); });
		ui.fileInput.addEventListener('change', function () { setFile(ui.fileInput.files[0] || null); });
		removeFile.addEventListener('click', function () { setFile(null); ui.input.focus(); });
		var submit = function () {
			if (ui.send.disabled)
				return;
			ui.send.disabled = true;
			var text = ui.input.value;
			send(text).then(function (ok) {
				ui.send.disabled = false;
				if (ok)
					ui.input.value = '';
				ui.input.focus();
			});
		};
		form.addEventListener('submit', function (e) { e.preventDefault(); submit(); });
		enterSends(ui.input, submit);
		render();
	}

	function start() {
		build();
		/* answers are the visitor's: so is every pop-up they were sent */
		/* the stream loads the page's pop-ups each time it connects */
		loadAnswers().catch(function () {}).then(function () {
			stream(0);
		});
	}

	window.dlgChat = {
		version: 1,
		identify: function (who) {
			who = who || {};
			if (typeof who.name === 'string')
				state.name = who.name;
			if (typeof who.email === 'string')
				state.email = who.email;
			save();
		},
		open: function () {
			if (ui.panel)
				open();
		}
	};

	if (document.body)
		start();
	else
		document.addEventListener('DOMContentLoaded', start);
})();
