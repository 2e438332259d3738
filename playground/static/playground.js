// The playground page: a Slack-like channel view, a Jira panel and a GitHub panel, polling the
// playground's state; every action goes to /playground/api/…, which sends what Slack, Jira or
// GitHub would send to the app.
"use strict";

(function () {
  const { el, esc, mrkdwn, render, attachments } = window.BlockKit;
  const $ = (id) => document.getElementById(id);
  const ui = { channel: "C0ITHELP", thread: null, user: "U0ALICE", shown: "", state: null, busy: false };

  async function post(path, body) {
    const response = await fetch(`/playground/api/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: ui.user, ...body }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) toast(answer.error || `${path}: HTTP ${response.status}`);
    setTimeout(refresh, 150);
    return answer;
  }

  const api = {
    options: (viewId, actionId, blockId, value) => post("options", { view_id: viewId, action_id: actionId, block_id: blockId, value }).then((a) => a.options || []),
    viewAction: (viewId, action, values) => post("action", { view_id: viewId, action, values }),
    closeView: (viewId) => post("close", { view_id: viewId }),
    submitView: (viewId, values) => post("submit", { view_id: viewId, values }),
  };

  function toast(text) {
    const t = $("toast");
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (t.hidden = true), 4000);
  }

  // --- messages --------------------------------------------------------------------------

  function person(state, message) {
    if (message.bot_id || (message.user && state.users[message.user] && state.users[message.user].is_bot)) return { name: "Connect", bot: true };
    const user = state.users[message.user] || {};
    return { name: user.real_name || message.user || "Someone", bot: false };
  }

  function initials(name) {
    return name.split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
  }

  function time(at) {
    return new Date(at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function messageNode(state, message, options) {
    const who = person(state, message);
    const node = el("div", `msg${options.onlyYou ? " only-you" : ""}`);
    node.dataset.ts = message.ts;
    const avatar = el("div", `avatar${who.bot ? " bot" : ""}`, who.bot ? "⚡" : esc(initials(who.name)));
    avatar.style.background = who.bot ? "" : `hsl(${[...who.name].reduce((a, c) => a + c.charCodeAt(0), 0) % 360} 45% 45%)`;
    const body = el("div", "msg-body");
    const head = el("div", "msg-head", `<b>${esc(who.name)}</b>${who.bot ? ' <span class="app-tag">APP</span>' : ""} <span class="msg-time">${time(message.at)}</span>${message.edited ? ' <span class="msg-time">(edited)</span>' : ""}`);
    body.append(head);
    if (options.onlyYou) body.append(el("div", "only-you-tag", "👁 Only visible to you"));
    const ephemeral = options.onlyYou ? { text: message.text, blocks: message.blocks } : undefined;
    const ctx = {
      users: state.users,
      onAction: (action) => post("action", { channel: options.channel, ts: message.ts, action, ephemeral }),
      loadOptions: (item, blockId) => post("options", { channel: options.channel, ts: message.ts, action_id: item.action_id, block_id: blockId, value: "" }).then((a) => a.options || []),
      openUrl,
    };
    if (message.blocks && message.blocks.length) body.append(render(message.blocks, ctx));
    else body.append(el("div", "bk-text", mrkdwn(message.text, state.users)));
    if (message.attachments) body.append(attachments(message.attachments, ctx));
    if (options.broadcast) body.prepend(el("div", "broadcast", "replied to a thread"));
    if (!options.inThread && message.reply_count) {
      const link = el("button", "replies", `${message.reply_count} ${message.reply_count === 1 ? "reply" : "replies"}`);
      link.addEventListener("click", () => openThread(message.ts));
      body.append(link);
    }
    node.append(avatar, body);
    if (!options.onlyYou) node.append(menu(message, options));
    return node;
  }

  function menu(message, options) {
    const bar = el("div", "msg-menu");
    if (!options.inThread) {
      const reply = el("button", "", "💬");
      reply.title = "Reply in thread";
      reply.addEventListener("click", () => openThread(message.ts));
      bar.append(reply);
    }
    const more = el("button", "more", "⋯");
    more.title = "More actions";
    more.setAttribute("aria-label", "More actions");
    more.addEventListener("click", (event) => {
      event.stopPropagation();
      const list = el("div", "menu-list");
      const item = el("button", "", "🎫 Create Jira issue <span class='menu-app'>Connect</span>");
      item.addEventListener("click", () => {
        list.remove();
        post("shortcut", { channel: options.channel, ts: message.ts });
      });
      list.append(item);
      bar.append(list);
      document.addEventListener("click", () => list.remove(), { once: true });
    });
    bar.append(more);
    return bar;
  }

  function openThread(ts) {
    ui.thread = ts;
    ui.shown = "";
    refresh();
  }

  function renderChannel(state) {
    const list = $("messages");
    const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const items = [];
    for (const message of state.messages[ui.channel] || []) {
      items.push({ at: message.at, ts: message.ts, node: () => messageNode(state, message, { channel: ui.channel }) });
      for (const reply of message.replies || []) {
        if (reply.reply_broadcast || reply.subtype === "thread_broadcast") items.push({ at: reply.at, ts: reply.ts, node: () => messageNode(state, reply, { channel: ui.channel, broadcast: true, inThread: true }) });
      }
    }
    for (const note of state.only_you) {
      if (note.channel === ui.channel && !note.thread_ts) items.push({ at: note.at, ts: note.ts, node: () => messageNode(state, { ...note, user: "U0BOT", bot_id: "B0BOT" }, { channel: ui.channel, onlyYou: true }) });
    }
    items.sort((a, b) => a.at - b.at || Number(a.ts) - Number(b.ts));
    list.replaceChildren(...items.map((i) => i.node()));
    if (stick) list.scrollTop = list.scrollHeight;
    const name = (state.channels.find((c) => c.id === ui.channel) || {}).name || "";
    $("channel-name").textContent = `# ${name}`;
    $("composer-text").placeholder = `Message #${name} — try /ticket Printer on fire`;
  }

  function renderThread(state) {
    const pane = $("thread");
    const parent = ui.thread && (state.messages[ui.channel] || []).find((m) => m.ts === ui.thread);
    pane.hidden = !parent;
    if (!parent) return;
    const list = $("thread-messages");
    const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const nodes = [messageNode(state, parent, { channel: ui.channel, inThread: true })];
    nodes.push(el("div", "thread-count", `${parent.replies.length} ${parent.replies.length === 1 ? "reply" : "replies"}`));
    const replies = parent.replies.map((r) => ({ at: r.at, message: r, onlyYou: false }));
    for (const note of state.only_you) if (note.thread_ts === ui.thread) replies.push({ at: note.at, message: { ...note, user: "U0BOT", bot_id: "B0BOT" }, onlyYou: true });
    replies.sort((a, b) => a.at - b.at);
    for (const r of replies) nodes.push(messageNode(state, r.message, { channel: ui.channel, inThread: true, onlyYou: r.onlyYou }));
    list.replaceChildren(...nodes);
    if (stick) list.scrollTop = list.scrollHeight;
  }

  function renderSidebar(state) {
    const list = $("channels");
    list.replaceChildren(
      ...state.channels.map((c) => {
        const b = el("button", `channel${c.id === ui.channel ? " active" : ""}`, `# ${esc(c.name)}`);
        b.addEventListener("click", () => {
          ui.channel = c.id;
          ui.thread = null;
          ui.shown = "";
          refresh();
        });
        return b;
      })
    );
    const who = $("viewer");
    if (!who.options.length) {
      for (const [id, u] of Object.entries(state.users)) if (!u.is_bot) who.append(new Option(u.real_name, id));
      who.value = ui.user;
    }
    $("demo-step").textContent = state.demo.step || "";
    $("demo").disabled = state.demo.running;
  }

  // --- Jira and GitHub -------------------------------------------------------------------

  function renderJira(state) {
    const host = $("jira-issues");
    const issues = state.jira.issues;
    if (!issues.length) {
      host.replaceChildren(el("div", "empty", `No issues in ${esc(state.jira.project)} yet. Run <code>/ticket Printer on fire</code> in #it-help.`));
      return;
    }
    host.replaceChildren(
      ...issues.map((issue) => {
        const card = el("div", "issue");
        card.dataset.key = issue.key;
        card.append(el("div", "issue-head", `<b>${esc(issue.key)}</b> <span class="status s-${esc(issue.status.replace(/\s/g, "-").toLowerCase())}">${esc(issue.status)}</span>`));
        card.append(el("div", "issue-summary", esc(issue.summary)));
        card.append(el("div", "issue-meta", `${esc(issue.type)} · ${issue.assignee ? esc(issue.assignee) : "Unassigned"} · ${issue.comments} comment${issue.comments === 1 ? "" : "s"}`));
        const row = el("div", "issue-actions");
        const move = el("select", "bk-select");
        move.setAttribute("aria-label", `Transition ${issue.key}`);
        move.append(new Option("Move to…", ""));
        for (const s of ["To Do", "In Progress", "Done"]) if (s !== issue.status) move.append(new Option(s, s));
        move.addEventListener("change", () => move.value && post("jira/transition", { key: issue.key, status: move.value }));
        const assign = el("select", "bk-select");
        assign.setAttribute("aria-label", `Assign ${issue.key}`);
        assign.append(new Option("Assign…", ""));
        for (const p of state.jira.people) assign.append(new Option(p.name, p.account_id));
        assign.addEventListener("change", () => assign.value && post("jira/assign", { key: issue.key, account_id: assign.value }));
        row.append(move, assign);
        card.append(row);
        const form = el("form", "issue-comment");
        const input = el("input", "bk-input");
        input.placeholder = "Add a comment…";
        form.append(input);
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          if (input.value.trim()) post("jira/comment", { key: issue.key, body: input.value });
          input.value = "";
        });
        card.append(form);
        return card;
      })
    );
  }

  function renderGitHub(state) {
    const gh = state.github;
    $("repo-name").textContent = gh.repository;
    const latest = state.jira.issues[0];
    $("pr-title").placeholder = latest ? `${latest.key}: Replace the printer's fuser unit` : "Title of a pull request";
    $("github-missing").hidden = !gh.unavailable;
    $("github-missing").textContent = gh.unavailable || "";
    for (const b of document.querySelectorAll("#github button")) b.disabled = Boolean(gh.unavailable);
    const host = $("pulls");
    host.replaceChildren(
      ...gh.pulls.map((pr) => {
        const card = el("div", "pull");
        card.dataset.number = pr.number;
        const badge = pr.state === "merged" ? '<span class="status s-merged">Merged</span>' : `<span class="status s-open">Open${pr.approved ? " · approved" : ""}</span>`;
        card.append(el("div", "issue-head", `<b>#${pr.number}</b> ${badge}`), el("div", "issue-summary", esc(pr.title)), el("div", "issue-meta", `${esc(pr.author)} wants to merge <code>${esc(pr.branch)}</code> into <code>${esc(pr.base)}</code>`));
        if (pr.state === "open") {
          const row = el("div", "issue-actions");
          const review = el("button", "btn", "Approve");
          review.addEventListener("click", () => post("github/review", { number: pr.number }));
          const merge = el("button", "btn primary", "Merge");
          merge.addEventListener("click", () => post("github/merge", { number: pr.number }));
          row.append(review, merge);
          card.append(row);
        }
        return card;
      })
    );
  }

  function renderSent(state) {
    $("sent").replaceChildren(...state.sent.slice().reverse().map((s) => el("li", s.status >= 400 ? "bad" : "", `<code>${s.status}</code> ${esc(s.what)} <span class="route">${esc(s.route)}</span>`)));
  }

  // --- the loop --------------------------------------------------------------------------

  async function refresh() {
    if (ui.busy) return;
    ui.busy = true;
    try {
      const response = await fetch(`/playground/api/state?user=${encodeURIComponent(ui.user)}`);
      if (!response.ok) return;
      const state = await response.json();
      ui.state = state;
      const key = JSON.stringify([state.messages, state.only_you, state.jira, state.github, state.demo, state.channels, ui.channel, ui.thread, ui.user]);
      if (key !== ui.shown) {
        ui.shown = key;
        renderSidebar(state);
        renderChannel(state);
        renderThread(state);
        renderJira(state);
        renderGitHub(state);
      }
      renderSent(state);
      window.Modal.show($("modal-host"), state.modal, api, state.users);
      document.body.dataset.ready = state.ready ? "yes" : "no";
    } finally {
      ui.busy = false;
    }
  }

  function composer(formId, inputId, thread) {
    const form = $(formId);
    const input = $(inputId);
    const send = () => {
      const text = input.value;
      if (!text.trim()) return;
      input.value = "";
      post("send", { channel: ui.channel, text, thread_ts: thread() });
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        send();
      }
    });
  }

  // Links into the local Jira and to the repository's pull requests show the panel's card
  // (the fake Jira has no web pages; the examples' repository is a real one on github.com).
  function followLink(event) {
    const link = event.target.closest("a[href]");
    if (link && showCard(link.getAttribute("href"))) event.preventDefault();
  }

  function openUrl(url) {
    if (!showCard(url)) window.open(url, "_blank", "noopener");
  }

  function showCard(href) {
    if (!ui.state) return false;
    const issue = href.startsWith(`${ui.state.jira.url}/browse/`) && href.split("/browse/")[1];
    const pull = href.match(new RegExp(`^https://github\\.com/${ui.state.github.repository}/pull/(\\d+)`));
    const card = issue ? document.querySelector(`#jira-issues .issue[data-key="${CSS.escape(issue)}"]`) : pull && document.querySelector(`#pulls .pull[data-number="${pull[1]}"]`);
    if (!card) return false;
    card.scrollIntoView({ block: "center", behavior: "smooth" });
    card.classList.remove("flash");
    void card.offsetWidth;
    card.classList.add("flash");
    return true;
  }

  function start() {
    document.addEventListener("click", followLink);
    composer("composer", "composer-text", () => null);
    composer("thread-composer", "thread-text", () => ui.thread);
    $("thread-close").addEventListener("click", () => openThread(null));
    $("viewer").addEventListener("change", (event) => {
      ui.user = event.target.value;
      ui.shown = "";
      refresh();
    });
    $("demo").addEventListener("click", () => post("demo", {}));
    $("open-pr").addEventListener("submit", (event) => {
      event.preventDefault();
      const title = $("pr-title").value.trim() || $("pr-title").placeholder;
      if (title) post("github/open", { title });
      $("pr-title").value = "";
    });
    $("push").addEventListener("click", () => post("github/push", { message: $("pr-title").value.trim() || "Tidy up" }));
    $("release").addEventListener("click", () => post("github/release", {}));
    $("workflow").addEventListener("click", () => post("github/workflow", {}));
    refresh();
    setInterval(refresh, 700);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
