/**
 * The fake Slack's browser page: plain HTML, CSS and JavaScript with no build step, kept in a
 * TypeScript module so it is found the same way from src/ (tests) and dist/ (the demo).
 * It polls GET /_page/state for changes and sends what the person does to POST /_page/<action>,
 * where the server signs it and forwards it to the app as Slack would.
 */

const STYLE = String.raw`
:root { --aubergine: #3f0e40; --aubergine-2: #350d36; --text: #1d1c1d; --muted: #616061; --line: #e2e2e2;
  --blue: #1264a3; --green: #007a5a; --red: #e01e5a; --hover: #f8f8f8; --ephemeral: #f4f9fd; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.46668 -apple-system, "Segoe UI", Lato, Helvetica, Arial, sans-serif; color: var(--text); height: 100vh; display: flex; flex-direction: column; }
header.top { background: var(--aubergine-2); color: #fff; padding: 6px 16px; display: flex; align-items: center; gap: 12px; font-size: 13px; }
header.top .brand { font-weight: 700; font-size: 15px; }
header.top label { margin-left: auto; display: flex; gap: 8px; align-items: center; }
header.top select { font: inherit; padding: 3px 6px; border-radius: 4px; border: 0; }
.layout { flex: 1; display: flex; min-height: 0; }
nav { width: 240px; background: var(--aubergine); color: #cfc3cf; padding: 12px 0; overflow-y: auto; flex-shrink: 0; }
nav h2 { font-size: 13px; font-weight: 600; margin: 12px 16px 4px; color: #cfc3cf; }
nav button { display: block; width: 100%; text-align: left; background: none; border: 0; color: inherit; font: inherit; padding: 4px 16px; cursor: pointer; }
nav button:hover { background: var(--aubergine-2); }
nav button.active { background: var(--blue); color: #fff; }
nav button .badge { float: right; background: var(--red); color: #fff; border-radius: 9px; padding: 0 7px; font-size: 12px; }
main { flex: 1; display: flex; flex-direction: column; min-width: 0; }
.pane-header { border-bottom: 1px solid var(--line); padding: 10px 20px; font-weight: 700; font-size: 18px; display: flex; align-items: baseline; gap: 10px; }
.pane-header small { font-weight: 400; color: var(--muted); font-size: 13px; }
.messages { flex: 1; overflow-y: auto; padding: 8px 0; }
.message { display: flex; gap: 8px; padding: 6px 20px; }
.message:hover { background: var(--hover); }
.message.ephemeral { background: var(--ephemeral); }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #611f69; color: #fff; display: flex; align-items: center; justify-content: center; font-weight: 700; flex-shrink: 0; }
.avatar.bot { background: #2eb67d; }
.body { min-width: 0; flex: 1; }
.meta { display: flex; gap: 8px; align-items: baseline; }
.meta .name { font-weight: 900; }
.meta .app { background: #e8e8e8; color: var(--muted); font-size: 10px; font-weight: 700; padding: 0 3px; border-radius: 2px; }
.meta time, .meta .edited, .note { color: var(--muted); font-size: 12px; }
.text { white-space: normal; word-wrap: break-word; }
.replies { color: var(--blue); font-size: 13px; font-weight: 700; background: none; border: 0; padding: 2px 0; cursor: pointer; }
.block { margin: 4px 0; }
.block.header { font-size: 18px; font-weight: 900; }
.block.divider { border: 0; border-top: 1px solid var(--line); margin: 8px 0; }
.block.context { color: var(--muted); font-size: 13px; display: flex; gap: 8px; flex-wrap: wrap; }
.block.section { display: flex; gap: 12px; align-items: flex-start; }
.block.section .section-main { flex: 1; min-width: 0; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
.block.actions { display: flex; gap: 8px; flex-wrap: wrap; }
.btn { font: inherit; font-size: 14px; font-weight: 700; border: 1px solid #bbb; background: #fff; color: var(--text); border-radius: 4px; padding: 3px 12px; cursor: pointer; }
.btn:hover { background: var(--hover); }
.btn.primary { background: var(--green); border-color: var(--green); color: #fff; }
.btn.danger { background: #fff; border-color: var(--red); color: var(--red); }
.btn:disabled { opacity: .5; cursor: default; }
code { font: 12px Monaco, Menlo, Consolas, monospace; color: #e01e5a; background: #f6f6f6; border: 1px solid #e8e8e8; border-radius: 3px; padding: 1px 3px; }
pre { font: 12px/1.5 Monaco, Menlo, Consolas, monospace; background: #f8f8f8; border: 1px solid #e2e2e2; border-radius: 4px; padding: 8px; white-space: pre-wrap; margin: 4px 0; }
blockquote { border-left: 4px solid #ddd; margin: 2px 0; padding-left: 10px; }
.mention { background: #e8f5fa; color: var(--blue); border-radius: 3px; padding: 0 2px; }
a { color: var(--blue); text-decoration: none; }
a:hover { text-decoration: underline; }
.composer { border: 1px solid #bbb; border-radius: 8px; margin: 0 20px 16px; display: flex; }
.composer input { flex: 1; border: 0; padding: 10px 12px; font: inherit; border-radius: 8px; outline: none; }
.composer button { border: 0; background: var(--green); color: #fff; font-weight: 700; padding: 0 16px; border-radius: 0 8px 8px 0; cursor: pointer; }
.hint { color: var(--muted); font-size: 12px; margin: -12px 20px 8px; min-height: 16px; }
.hint.error { color: var(--red); }
aside.thread { width: 420px; border-left: 1px solid var(--line); display: flex; flex-direction: column; flex-shrink: 0; }
aside.thread[hidden] { display: none; }
.close { margin-left: auto; background: none; border: 0; font-size: 20px; cursor: pointer; color: var(--muted); }
.overlay { position: fixed; inset: 0; background: rgba(0,0,0,.45); display: flex; align-items: center; justify-content: center; }
.overlay[hidden] { display: none; }
.dialog { background: #fff; border-radius: 8px; width: 520px; max-height: 85vh; display: flex; flex-direction: column; box-shadow: 0 18px 48px rgba(0,0,0,.35); }
.dialog h3 { margin: 0; padding: 16px 20px; border-bottom: 1px solid var(--line); font-size: 20px; }
.dialog .content { padding: 12px 20px; overflow-y: auto; }
.dialog footer { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 20px; border-top: 1px solid var(--line); }
.input-block { margin: 10px 0; }
.input-block label { display: block; font-weight: 700; margin-bottom: 4px; }
.input-block input, .input-block select, .input-block textarea { width: 100%; font: inherit; padding: 8px; border: 1px solid #bbb; border-radius: 4px; }
.input-block textarea { min-height: 90px; }
.input-block .hint-text { color: var(--muted); font-size: 13px; }
.input-block .field-error { color: var(--red); font-size: 13px; margin-top: 4px; }
.empty { color: var(--muted); padding: 20px; }
.reactions { margin-top: 4px; }
.reaction { display: inline-block; border: 1px solid #d3e7f5; background: #eef6fb; border-radius: 12px; padding: 0 8px; font-size: 12px; margin-right: 4px; }
`;

const SCRIPT = String.raw`
(function () {
  'use strict';
  var BACKTICK = String.fromCharCode(96);
  var EMOJI = { white_check_mark: '\u2705', x: '\u274c', warning: '\u26a0\ufe0f', rocket: '\ud83d\ude80', hourglass: '\u231b',
    hourglass_flowing_sand: '\u23f3', large_green_circle: '\ud83d\udfe2', large_yellow_circle: '\ud83d\udfe1', red_circle: '\ud83d\udd34',
    pause_button: '\u23f8\ufe0f', arrow_forward: '\u25b6\ufe0f', no_entry: '\u26d4', bar_chart: '\ud83d\udcca', bird: '\ud83d\udc26',
    tada: '\ud83c\udf89', lock: '\ud83d\udd12', eyes: '\ud83d\udc40', heavy_check_mark: '\u2714\ufe0f', information_source: '\u2139\ufe0f',
    rotating_light: '\ud83d\udea8', stopwatch: '\u23f1\ufe0f', memo: '\ud83d\udcdd', gear: '\u2699\ufe0f', octagonal_sign: '\ud83d\uded1',
    leftwards_arrow_with_hook: '\u21a9\ufe0f', recycle: '\u267b\ufe0f', ice_cube: '\ud83e\uddca', fire: '\ud83d\udd25',
    raised_hand: '\u270b', rewind: '\u23ea', repeat: '\ud83d\udd01', fast_forward: '\u23e9', double_vertical_bar: '\u23f8\ufe0f',
    no_entry_sign: '\ud83d\udeab', white_circle: '\u26aa', sunny: '\u2600\ufe0f', mag: '\ud83d\udd0d', large_blue_circle: '\ud83d\udd35',
    grey_exclamation: '\u2755', checkered_flag: '\ud83c\udfc1', arrows_counterclockwise: '\ud83d\udd04' };
  var state = null;
  var version = -1;
  var ui = { user: localStorage.getItem('fleet-sandbox-user') || 'U0OWNER01', channel: null, thread: null, home: false, dismissed: {}, modalKey: null, errors: {} };

  function $(id) { return document.getElementById(id); }
  function escapeHtml(value) {
    return String(value == null ? '' : value).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function userName(id) {
    var user = state && state.users.find(function (u) { return u.id === id; });
    return user ? user.realName : id;
  }
  function groupHandle(id) {
    var group = state && state.usergroups.find(function (g) { return g.id === id; });
    return group ? group.handle : id;
  }
  function channelName(id) {
    var channel = state && state.channels.find(function (c) { return c.id === id; });
    return channel ? channel.name : id;
  }

  // Slack's mrkdwn: code first (nothing inside code is formatted), then escapes, links, mentions and emphasis.
  function mrkdwn(source) {
    var stash = [];
    function keep(html) { stash.push(html); return '\u0000' + (stash.length - 1) + '\u0000'; }
    var text = String(source == null ? '' : source);
    var fence = new RegExp(BACKTICK + BACKTICK + BACKTICK + '([\\s\\S]*?)' + BACKTICK + BACKTICK + BACKTICK, 'g');
    text = text.replace(fence, function (_, code) { return keep('<pre>' + escapeHtml(code.replace(/^\n/, '')) + '</pre>'); });
    var inline = new RegExp(BACKTICK + '([^' + BACKTICK + '\n]+)' + BACKTICK, 'g');
    text = text.replace(inline, function (_, code) { return keep('<code>' + escapeHtml(code) + '</code>'); });
    text = text.replace(/<([^<>\n]+)>/g, function (_, inner) {
      var parts = inner.split('|');
      var target = parts[0];
      var label = parts.slice(1).join('|');
      if (target.charAt(0) === '@') return keep('<span class="mention">@' + escapeHtml(userName(target.slice(1))) + '</span>');
      if (target.charAt(0) === '#') return keep('<span class="mention">#' + escapeHtml(label || channelName(target.slice(1))) + '</span>');
      if (target.indexOf('!subteam^') === 0) return keep('<span class="mention">' + escapeHtml(label || '@' + groupHandle(target.slice(9))) + '</span>');
      if (target.indexOf('!date^') === 0) {
        // <!date^seconds^format|fallback>: shown in the reader's own time zone, as Slack does.
        var seconds = Number(target.split('^')[1]);
        return keep(escapeHtml(isFinite(seconds) ? new Date(seconds * 1000).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) : label));
      }
      if (target.charAt(0) === '!') return keep('<span class="mention">@' + escapeHtml(target.slice(1)) + '</span>');
      if (/^(https?:|mailto:)/.test(target)) {
        return keep('<a href="' + escapeHtml(target) + '" target="_blank" rel="noopener noreferrer">' + escapeHtml(label || target) + '</a>');
      }
      return keep(escapeHtml('<' + inner + '>'));
    });
    // Slack sends &amp; &lt; &gt; already escaped in text; undo that before escaping once.
    text = text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    text = escapeHtml(text);
    text = text.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,!?:;])/g, '$1<b>$2</b>');
    text = text.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,!?:;])/g, '$1<i>$2</i>');
    text = text.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,!?:;])/g, '$1<s>$2</s>');
    text = text.replace(/:([a-z0-9_+-]+):/g, function (all, name) { return EMOJI[name] || all; });
    text = text.split('\n').map(function (line) {
      return line.indexOf('&gt;') === 0 ? '<blockquote>' + line.slice(4).replace(/^ /, '') + '</blockquote>' : line;
    }).join('\n').replace(/\n/g, '<br>').replace(/<\/blockquote><br>/g, '</blockquote>');
    return text.replace(/\u0000(\d+)\u0000/g, function (_, index) { return stash[Number(index)]; });
  }
  function renderText(obj) {
    if (!obj) return '';
    if (obj.type === 'plain_text') return escapeHtml(obj.text).replace(/:([a-z0-9_+-]+):/g, function (all, name) { return obj.emoji !== false && EMOJI[name] || all; });
    return mrkdwn(obj.text);
  }

  function renderButton(el, origin) {
    var style = el.style === 'primary' || el.style === 'danger' ? ' ' + el.style : '';
    var confirm = el.confirm ? ' data-confirm="' + escapeHtml(JSON.stringify(el.confirm)) + '"' : '';
    if (el.url) return '<a class="btn' + style + '" href="' + (/^https?:/.test(el.url) ? escapeHtml(el.url) : '#') + '" target="_blank" rel="noopener noreferrer">' + renderText(el.text) + '</a>';
    // Like Slack, a click sends the value of the button as the person saw it, even if the message changed since.
    var value = typeof el.value === 'string' ? ' data-value="' + escapeHtml(el.value) + '"' : '';
    return '<button class="btn' + style + '" data-action-id="' + escapeHtml(el.action_id) + '" data-origin="' + escapeHtml(origin) + '"' + value + confirm + '>' + renderText(el.text) + '</button>';
  }
  function renderElement(el, origin) {
    if (!el) return '';
    if (el.type === 'button') return renderButton(el, origin);
    if (el.type === 'image') return '<span class="note">[image: ' + escapeHtml(el.alt_text) + ']</span>';
    if (el.type === 'overflow' || el.type === 'static_select') return '<span class="note">[' + escapeHtml(el.type) + ']</span>';
    return '';
  }
  function renderInput(block) {
    var el = block.element || {};
    var id = 'input-' + escapeHtml(block.block_id);
    var field;
    if (el.type === 'static_select') {
      var options = (el.options || []).map(function (o) {
        var selected = el.initial_option && el.initial_option.value === o.value ? ' selected' : '';
        return '<option value="' + escapeHtml(o.value) + '"' + selected + '>' + escapeHtml(o.text && o.text.text) + '</option>';
      }).join('');
      var placeholder = el.placeholder ? escapeHtml(el.placeholder.text) : 'Choose an option';
      field = '<select id="' + id + '"><option value="">' + placeholder + '</option>' + options + '</select>';
    } else if (el.type === 'plain_text_input' && el.multiline) {
      field = '<textarea id="' + id + '" placeholder="' + escapeHtml(el.placeholder && el.placeholder.text) + '">' + escapeHtml(el.initial_value) + '</textarea>';
    } else {
      field = '<input id="' + id + '" value="' + escapeHtml(el.initial_value) + '" placeholder="' + escapeHtml(el.placeholder && el.placeholder.text) + '">';
    }
    var error = ui.errors[block.block_id] ? '<div class="field-error">' + escapeHtml(ui.errors[block.block_id]) + '</div>' : '';
    var hint = block.hint ? '<div class="hint-text">' + renderText(block.hint) + '</div>' : '';
    return '<div class="input-block" data-block-id="' + escapeHtml(block.block_id) + '"><label for="' + id + '">' + renderText(block.label) +
      (block.optional ? ' <span class="note">(optional)</span>' : '') + '</label>' + field + hint + error + '</div>';
  }
  function renderBlocks(blocks, origin) {
    return (blocks || []).map(function (block) {
      switch (block.type) {
        case 'header': return '<div class="block header">' + renderText(block.text) + '</div>';
        case 'divider': return '<hr class="block divider">';
        case 'context': return '<div class="block context">' + (block.elements || []).map(function (el) {
          return el.type === 'image' ? '' : '<span>' + renderText(el) + '</span>';
        }).join('') + '</div>';
        case 'section': {
          var fields = block.fields ? '<div class="fields">' + block.fields.map(function (f) { return '<div>' + renderText(f) + '</div>'; }).join('') + '</div>' : '';
          var accessory = block.accessory ? '<div>' + renderElement(block.accessory, origin) + '</div>' : '';
          return '<div class="block section"><div class="section-main">' + (block.text ? '<div class="text">' + renderText(block.text) + '</div>' : '') + fields + '</div>' + accessory + '</div>';
        }
        case 'actions': return '<div class="block actions">' + (block.elements || []).map(function (el) { return renderElement(el, origin); }).join('') + '</div>';
        case 'input': return renderInput(block);
        case 'image': return '<div class="block note">[image: ' + escapeHtml(block.alt_text) + ']</div>';
        default: return '<div class="block note">[' + escapeHtml(block.type) + ' block]</div>';
      }
    }).join('');
  }

  function formatTime(ts) {
    var date = new Date(Number(String(ts).split('.')[0]) * 1000);
    return String(date.getHours()).padStart(2, '0') + ':' + String(date.getMinutes()).padStart(2, '0');
  }
  function renderMessage(m, channel, inThread) {
    var isBot = !!m.bot_id;
    var name = isBot ? 'Fleet' : userName(m.user);
    var origin = JSON.stringify({ channel: channel, messageTs: m.ts });
    var content = m.blocks && m.blocks.length ? renderBlocks(m.blocks, origin) : '<div class="text">' + mrkdwn(m.text) + '</div>';
    var replies = !inThread && m.reply_count ? '<button class="replies" data-thread="' + escapeHtml(m.ts) + '">' + m.reply_count + (m.reply_count === 1 ? ' reply' : ' replies') + '</button>' : '';
    var reactions = (m.reactions || []).map(function (r) {
      return '<span class="reaction">' + (EMOJI[r.name] || ':' + escapeHtml(r.name) + ':') + ' ' + escapeHtml(r.count) + '</span>';
    }).join('');
    if (reactions) reactions = '<div class="reactions">' + reactions + '</div>';
    var broadcast = m.subtype === 'thread_broadcast' && !inThread ? '<div class="note">replied to a thread</div>' : '';
    return '<div class="message" data-ts="' + escapeHtml(m.ts) + '"><div class="avatar' + (isBot ? ' bot' : '') + '">' + escapeHtml(name.charAt(0)) + '</div><div class="body">' +
      '<div class="meta"><span class="name">' + escapeHtml(name) + '</span>' + (isBot ? '<span class="app">APP</span>' : '') + '<time>' + formatTime(m.ts) + '</time>' +
      (m.edited ? '<span class="edited">(edited)</span>' : '') + '</div>' + broadcast + content + reactions + replies + '</div></div>';
  }
  function renderEphemeral(e) {
    var origin = JSON.stringify({ ephemeralId: e.id });
    var content = e.blocks && e.blocks.length ? renderBlocks(e.blocks, origin) : '<div class="text">' + mrkdwn(e.text) + '</div>';
    return '<div class="message ephemeral" data-ephemeral-id="' + escapeHtml(e.id) + '"><div class="avatar bot">F</div><div class="body">' +
      '<div class="meta"><span class="name">Fleet</span><span class="app">APP</span><time>' + formatTime(e.ts) + '</time>' +
      '<span class="note">Only visible to you</span><button class="replies" data-dismiss="' + escapeHtml(e.id) + '">Dismiss</button></div>' + content + '</div></div>';
  }

  function renderNav() {
    var channels = state.channels.map(function (c) {
      var active = !ui.home && ui.channel === c.id ? ' active' : '';
      return '<button class="' + active + '" data-channel="' + escapeHtml(c.id) + '"># ' + escapeHtml(c.name) + '</button>';
    }).join('');
    $('nav').innerHTML = '<h2>' + escapeHtml(state.team.name) + '</h2><button data-home="1" class="' + (ui.home ? 'active' : '') + '">\ud83c\udfe0 Fleet \u2014 Home</button><h2>Channels</h2>' + channels;
  }
  function renderMain() {
    var pane = $('messages');
    var atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
    if (ui.home) {
      $('pane-title').innerHTML = 'Fleet <small>Home</small>';
      pane.innerHTML = state.home ? '<div style="padding: 8px 20px">' + renderBlocks(state.home.blocks, JSON.stringify({ viewId: state.home.id })) + '</div>' : '<div class="empty">Fleet has not published a Home tab for ' + escapeHtml(userName(ui.user)) + ' yet.</div>';
      return;
    }
    var channel = state.channels.find(function (c) { return c.id === ui.channel; });
    $('pane-title').innerHTML = '# ' + escapeHtml(channel ? channel.name : ui.channel) + ' <small>' + escapeHtml(channel ? channel.topic : '') + '</small>';
    var items = (state.messages[ui.channel] || []).filter(function (m) {
      return !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast';
    }).map(function (m) { return { ts: m.ts, html: renderMessage(m, ui.channel, false) }; });
    state.ephemerals.forEach(function (e) {
      if (e.channel === ui.channel && !e.threadTs && !ui.dismissed[e.id]) items.push({ ts: String(e.createdAt / 1000), html: renderEphemeral(e) });
    });
    items.sort(function (a, b) { return Number(a.ts) - Number(b.ts); });
    pane.innerHTML = items.length ? items.map(function (i) { return i.html; }).join('') : '<div class="empty">No messages yet. Type <code>/fleet help</code> below.</div>';
    if (atBottom) pane.scrollTop = pane.scrollHeight;
  }
  function renderThread() {
    var aside = $('thread');
    if (!ui.thread || ui.home) { aside.hidden = true; return; }
    var all = state.messages[ui.thread.channel] || [];
    var thread = all.filter(function (m) { return m.ts === ui.thread.ts || m.thread_ts === ui.thread.ts; });
    aside.hidden = false;
    var html = thread.map(function (m) { return renderMessage(m, ui.thread.channel, true); }).join('');
    state.ephemerals.forEach(function (e) {
      if (e.channel === ui.thread.channel && e.threadTs === ui.thread.ts && !ui.dismissed[e.id]) html += renderEphemeral(e);
    });
    $('thread-messages').innerHTML = html;
  }
  function renderModal() {
    var overlay = $('modal');
    var top = state.modals[state.modals.length - 1];
    if (!top) { overlay.hidden = true; ui.modalKey = null; return; }
    var key = top.id + ':' + top.hash + ':' + JSON.stringify(ui.errors);
    if (key === ui.modalKey) return; // keep what the person is typing
    ui.modalKey = key;
    // The same view shown again with errors keeps what the person typed, as Slack does.
    var sameView = ui.modalView === top.id + ':' + top.hash;
    var typed = {};
    if (sameView) Array.prototype.forEach.call($('modal-content').querySelectorAll('input, select, textarea'), function (f) { typed[f.id] = f.value; });
    ui.modalView = top.id + ':' + top.hash;
    overlay.hidden = false;
    $('modal-title').innerHTML = renderText(top.title);
    $('modal-content').innerHTML = renderBlocks(top.blocks, JSON.stringify({ viewId: top.id }));
    Object.keys(typed).forEach(function (id) { var f = document.getElementById(id); if (f) f.value = typed[id]; });
    $('modal-submit').hidden = !top.submit;
    $('modal-submit').innerHTML = top.submit ? renderText(top.submit) : 'Submit';
    $('modal-cancel').innerHTML = top.close ? renderText(top.close) : 'Cancel';
  }
  function render() {
    if (!state) return;
    if (!ui.channel) ui.channel = state.channels[0] && state.channels[0].id;
    renderNav();
    renderMain();
    renderThread();
    renderModal();
  }

  function poll() {
    fetch('/_page/state?user=' + encodeURIComponent(ui.user) + '&since=' + version).then(function (r) { return r.json(); }).then(function (data) {
      if (!data.unchanged) {
        state = data;
        version = data.version;
        render();
      }
    }).catch(function () { /* the server restarts in the demo; try again on the next tick */ }).then(function () { setTimeout(poll, 600); });
  }
  function refresh() { version = -1; }

  function post(path, body) {
    return fetch('/_page/' + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); });
  }
  function showHint(text, isError) {
    var hint = $('hint');
    hint.textContent = text;
    hint.className = 'hint' + (isError ? ' error' : '');
  }
  function describeFailure(data, what) {
    if (!data.ok) return data.error;
    if (data.result && data.result.status !== 200) return what + ' failed: the app answered HTTP ' + data.result.status + ' (dispatch_failed).';
    return null;
  }

  function sendComposer(event) {
    event.preventDefault();
    var input = $('composer-input');
    var value = input.value.trim();
    if (!value) return;
    var match = /^(\/[a-z0-9_-]+)\s*([\s\S]*)$/i.exec(value);
    if (!match) { showHint('Only slash commands reach the app here: try /fleet help', true); return; }
    if (match[1] !== '/fleet') { showHint(match[1] + ' is not a valid command. Try /fleet help', true); return; }
    input.value = '';
    showHint('Sending ' + value + ' as ' + userName(ui.user) + '\u2026', false);
    post('command', { user: ui.user, channel: ui.channel, text: match[2] }).then(function (data) {
      var failure = describeFailure(data, value);
      showHint(failure || '', !!failure);
      refresh();
    });
  }

  function confirmThen(confirm, run) {
    if (!confirm) { run(); return; }
    var overlay = $('confirm');
    $('confirm-title').innerHTML = renderText(confirm.title);
    $('confirm-text').innerHTML = renderText(confirm.text);
    $('confirm-yes').innerHTML = renderText(confirm.confirm);
    $('confirm-no').innerHTML = renderText(confirm.deny);
    $('confirm-yes').className = 'btn ' + (confirm.style === 'danger' ? 'danger' : 'primary');
    overlay.hidden = false;
    $('confirm-yes').onclick = function () { overlay.hidden = true; run(); };
    $('confirm-no').onclick = function () { overlay.hidden = true; };
  }
  function clickAction(button) {
    var origin = JSON.parse(button.getAttribute('data-origin'));
    var confirm = button.getAttribute('data-confirm') ? JSON.parse(button.getAttribute('data-confirm')) : null;
    confirmThen(confirm, function () {
      button.disabled = true;
      var body = Object.assign({ user: ui.user, actionId: button.getAttribute('data-action-id') }, origin);
      if (button.hasAttribute('data-value')) body.value = button.getAttribute('data-value');
      post('action', body).then(function (data) {
        var failure = describeFailure(data, 'The button');
        showHint(failure || '', !!failure);
        button.disabled = false;
        refresh();
      });
    });
  }

  function collectValues() {
    var top = state.modals[state.modals.length - 1];
    var values = {};
    top.blocks.forEach(function (block) {
      if (block.type !== 'input' || !block.element) return;
      var el = block.element;
      var field = document.getElementById('input-' + block.block_id);
      var entry = { type: el.type };
      if (el.type === 'static_select') {
        var option = (el.options || []).find(function (o) { return o.value === field.value; });
        entry.selected_option = option || null;
      } else {
        entry.value = field.value === '' ? null : field.value;
      }
      values[block.block_id] = {};
      values[block.block_id][el.action_id] = entry;
    });
    return values;
  }
  function submitModal() {
    var top = state.modals[state.modals.length - 1];
    if (!top) return;
    // Slack's client refuses to send a modal whose required field is empty.
    var missing = {};
    top.blocks.forEach(function (block) {
      if (block.type !== 'input' || block.optional) return;
      var field = document.getElementById('input-' + block.block_id);
      if (field && field.value.trim() === '') missing[block.block_id] = 'Please complete this required field.';
    });
    if (Object.keys(missing).length) { ui.errors = missing; renderModal(); return; }
    post('submit', { user: ui.user, viewId: top.id, values: collectValues() }).then(function (data) {
      var failure = describeFailure(data, 'Submitting');
      ui.errors = data.result && data.result.errors ? data.result.errors : {};
      ui.modalKey = null;
      showHint(failure || '', !!failure);
      refresh();
      if (state) renderModal();
    });
  }

  document.addEventListener('click', function (event) {
    var target = event.target.closest('button');
    if (!target) return;
    if (target.hasAttribute('data-channel')) { ui.channel = target.getAttribute('data-channel'); ui.home = false; ui.thread = null; render(); return; }
    if (target.hasAttribute('data-home')) {
      ui.home = true;
      render();
      post('home', { user: ui.user }).then(function (data) {
        var failure = describeFailure(data, 'Opening the Home tab');
        showHint(failure || '', !!failure);
        refresh();
      });
      return;
    }
    if (target.hasAttribute('data-thread')) { ui.thread = { channel: ui.channel, ts: target.getAttribute('data-thread') }; render(); return; }
    if (target.hasAttribute('data-dismiss')) { ui.dismissed[target.getAttribute('data-dismiss')] = true; render(); return; }
    if (target.hasAttribute('data-action-id')) { clickAction(target); return; }
  });
  $('thread-close').addEventListener('click', function () { ui.thread = null; render(); });
  $('composer').addEventListener('submit', sendComposer);
  $('modal-submit').addEventListener('click', submitModal);
  $('modal-cancel').addEventListener('click', function () { ui.errors = {}; post('close', { user: ui.user }).then(refresh); });
  $('act-as').addEventListener('change', function (event) {
    ui.user = event.target.value;
    localStorage.setItem('fleet-sandbox-user', ui.user);
    ui.errors = {};
    ui.modalKey = null;
    if (ui.home) post('home', { user: ui.user }).then(refresh);
    refresh();
  });
  fetch('/_page/state?user=' + encodeURIComponent(ui.user)).then(function (r) { return r.json(); }).then(function (data) {
    var select = $('act-as');
    select.innerHTML = data.users.filter(function (u) { return !u.isBot; }).map(function (u) {
      return '<option value="' + escapeHtml(u.id) + '"' + (u.id === ui.user ? ' selected' : '') + '>' + escapeHtml(u.realName + ' (' + u.role + ')') + '</option>';
    }).join('');
    poll();
  });
})();
`;

/**
 * The whole page as one HTML document.
 *
 * @example
 * response.end(renderSandboxPage()); // served at GET / by the fake Slack
 */
export function renderSandboxPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fleet sandbox — Slack</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top"><span class="brand">Fleet sandbox</span><span>a local stand-in for Slack</span>
<label>Act as <select id="act-as" data-testid="act-as"></select></label></header>
<div class="layout">
<nav id="nav"></nav>
<main>
<div class="pane-header" id="pane-title"></div>
<div class="messages" id="messages" data-testid="messages"></div>
<form class="composer" id="composer"><input id="composer-input" data-testid="composer" autocomplete="off" placeholder="Type /fleet help and press Enter"><button type="submit">Send</button></form>
<div class="hint" id="hint" data-testid="hint"></div>
</main>
<aside class="thread" id="thread" hidden><div class="pane-header">Thread<button class="close" id="thread-close" aria-label="Close thread">×</button></div><div class="messages" id="thread-messages" data-testid="thread"></div></aside>
</div>
<div class="overlay" id="modal" hidden><div class="dialog" role="dialog" data-testid="modal"><h3 id="modal-title"></h3><div class="content" id="modal-content"></div>
<footer><button class="btn" id="modal-cancel">Cancel</button><button class="btn primary" id="modal-submit">Submit</button></footer></div></div>
<div class="overlay" id="confirm" hidden><div class="dialog" role="alertdialog" data-testid="confirm"><h3 id="confirm-title"></h3><div class="content" id="confirm-text"></div>
<footer><button class="btn" id="confirm-no">Cancel</button><button class="btn primary" id="confirm-yes">Confirm</button></footer></div></div>
<script>${SCRIPT}</script>
</body>
</html>`;
}
