// Block Kit and mrkdwn, rendered as Slack shows them (the parts the app uses, and a little more).
// window.BlockKit.render(blocks, ctx) -> HTMLElement; ctx.onAction(action, element), ctx.users.
"use strict";

(function () {
  const EMOJI = {
    white_circle: "⚪", large_green_circle: "🟢", large_purple_circle: "🟣", red_circle: "🔴",
    large_blue_circle: "🔵", large_yellow_circle: "🟡", large_orange_circle: "🟠",
    link: "🔗", warning: "⚠️", speech_balloon: "💬", white_check_mark: "✅", heavy_minus_sign: "➖",
    wastebasket: "🗑️", hourglass_flowing_sand: "⏳", arrow_up: "⬆️", arrow_down: "⬇️",
    ticket: "🎫", seedling: "🌱", rocket: "🚀", no_entry_sign: "🚫", no_entry: "⛔", label: "🏷️",
    grey_question: "❔", eyes: "👀", fire: "🔥", wave: "👋", tada: "🎉", x: "❌", bug: "🐛",
    memo: "📝", pencil2: "✏️", heavy_check_mark: "✔️", construction: "🚧", "+1": "👍",
    thumbsup: "👍", sparkles: "✨", lock: "🔒", bust_in_silhouette: "👤", calendar: "📅",
    arrows_counterclockwise: "🔄", git: "🔀", twisted_rightwards_arrows: "🔀", package: "📦",
    printer: "🖨️", zap: "⚡", hammer_and_wrench: "🛠️", information_source: "ℹ️",
  };

  function esc(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function unescapeSlack(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function safeUrl(url) {
    return /^(https?:|mailto:)/i.test(url) ? url : "#";
  }

  function entity(inner, users) {
    const [target, label] = inner.split("|", 2);
    if (target.startsWith("@")) {
      const user = users[target.slice(1)];
      const name = user ? user.real_name || user.name : label || target.slice(1);
      return `<span class="mention">@${esc(name)}</span>`;
    }
    if (target.startsWith("#")) return `<span class="mention">#${esc(label || target.slice(1))}</span>`;
    if (target.startsWith("!")) {
      if (target.startsWith("!date")) return esc(label || "");
      return `<span class="mention">@${esc(label || target.slice(1).split("^")[0])}</span>`;
    }
    const url = unescapeSlack(target);
    return `<a href="${esc(safeUrl(url))}" target="_blank" rel="noopener">${esc(unescapeSlack(label || url))}</a>`;
  }

  // mrkdwn -> HTML. Links, mentions and code are cut out first so nothing formats inside them.
  function mrkdwn(text, users) {
    const held = [];
    const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
    let src = String(text || "");
    src = src.replace(/```([\s\S]*?)```/g, (_, code) => hold(`<pre>${esc(unescapeSlack(code.replace(/^\n/, "")))}</pre>`));
    src = src.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${esc(unescapeSlack(code))}</code>`));
    src = src.replace(/<([^<>\n]+)>/g, (_, inner) => hold(entity(inner, users || {})));
    let html = esc(unescapeSlack(src));
    html = html.replace(/(^|[\s(])\*(?!\s)([^*\n]+?)\*(?=$|[\s.,:;!?)])/g, "$1<b>$2</b>");
    html = html.replace(/(^|[\s(])_(?!\s)([^_\n]+?)_(?=$|[\s.,:;!?)])/g, "$1<i>$2</i>");
    html = html.replace(/(^|[\s(])~(?!\s)([^~\n]+?)~(?=$|[\s.,:;!?)])/g, "$1<s>$2</s>");
    html = html.replace(/:([a-z0-9_+-]+):/g, (all, name) => (EMOJI[name] ? `<span class="emoji" title=":${name}:">${EMOJI[name]}</span>` : all));
    html = html
      .split("\n")
      .map((line) => (line.startsWith("&gt; ") || line === "&gt;" ? `<span class="quote">${line.replace(/^&gt; ?/, "")}</span>` : line))
      .join("\n")
      .replace(/\n/g, "<br>");
    return html.replace(/\u0000(\d+)\u0000/g, (_, i) => held[Number(i)]);
  }

  function textObject(obj, users) {
    if (!obj) return "";
    if (obj.type === "mrkdwn") return mrkdwn(obj.text, users);
    return esc(obj.text || "").replace(/:([a-z0-9_+-]+):/g, (all, name) => EMOJI[name] || all).replace(/\n/g, "<br>");
  }

  function el(tag, cls, html) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (html !== undefined) node.innerHTML = html;
    return node;
  }

  function optionLabel(option, users) {
    return option ? textObject(option.text, users) : "";
  }

  // An interactive element: buttons, selects, overflow menus, date pickers.
  function element(item, ctx, blockId) {
    const users = ctx.users || {};
    const fire = (extra) => ctx.onAction && ctx.onAction({ type: item.type, action_id: item.action_id, block_id: blockId, ...extra }, item);
    if (item.type === "button") {
      const b = el("button", `bk-button ${item.style || ""}`, textObject(item.text, users));
      b.dataset.actionId = item.action_id || "";
      b.addEventListener("click", () => {
        if (item.url) (ctx.openUrl || ((u) => window.open(safeUrl(u), "_blank", "noopener")))(item.url);
        fire({ value: item.value, text: item.text });
      });
      return b;
    }
    if (item.type === "image") {
      const img = el("img", "bk-thumb");
      img.src = safeUrl(item.image_url || "");
      img.alt = item.alt_text || "";
      return img;
    }
    if (item.type === "overflow") {
      const sel = el("select", "bk-select bk-overflow");
      sel.append(new Option("⋯", ""));
      for (const o of item.options || []) sel.append(new Option((o.text && o.text.text) || o.value, o.value));
      sel.addEventListener("change", () => {
        const option = (item.options || []).find((o) => o.value === sel.value);
        if (option) fire({ selected_option: option });
        sel.value = "";
      });
      return sel;
    }
    if (/_select$/.test(item.type) || item.type === "multi_static_select") {
      const sel = el("select", "bk-select");
      sel.append(new Option((item.placeholder && item.placeholder.text) || "Select…", ""));
      let options = item.options || [];
      for (const g of item.option_groups || []) options = options.concat(g.options || []);
      if (item.type === "users_select") options = Object.entries(users).filter(([, u]) => !u.is_bot).map(([id, u]) => ({ text: { text: u.real_name }, value: id }));
      for (const o of options) sel.append(new Option((o.text && o.text.text) || o.value, o.value));
      const initial = item.initial_option ? item.initial_option.value : item.initial_user;
      if (initial) sel.value = initial;
      if (item.type === "external_select" && ctx.loadOptions) {
        // Slack asks the app for the options (block_suggestion) when the menu opens
        sel.addEventListener("focus", () => {
          if (sel.dataset.loaded) return;
          sel.dataset.loaded = "yes";
          ctx.loadOptions(item, blockId).then((found) => {
            options = found;
            for (const o of found) sel.append(new Option((o.text && o.text.text) || o.value, o.value));
          });
        }, { once: true });
      }
      sel.addEventListener("change", () => {
        const option = options.find((o) => o.value === sel.value);
        if (item.type === "users_select") fire({ selected_user: sel.value });
        else if (option) fire({ selected_option: option });
      });
      return sel;
    }
    if (item.type === "datepicker") {
      const input = el("input", "bk-input");
      input.type = "date";
      if (item.initial_date) input.value = item.initial_date;
      input.addEventListener("change", () => fire({ selected_date: input.value }));
      return input;
    }
    return el("span", "bk-unknown", esc(`[${item.type}]`));
  }

  function richText(block, users) {
    const parts = [];
    for (const section of block.elements || []) {
      const inner = (section.elements || [])
        .map((e) => {
          if (e.type === "text") {
            let t = esc(e.text).replace(/\n/g, "<br>");
            if (e.style && e.style.bold) t = `<b>${t}</b>`;
            if (e.style && e.style.italic) t = `<i>${t}</i>`;
            if (e.style && e.style.code) t = `<code>${t}</code>`;
            return t;
          }
          if (e.type === "link") return `<a href="${esc(safeUrl(e.url))}" target="_blank" rel="noopener">${esc(e.text || e.url)}</a>`;
          if (e.type === "user") return entity(`@${e.user_id}`, users);
          if (e.type === "emoji") return EMOJI[e.name] || `:${esc(e.name)}:`;
          return "";
        })
        .join("");
      parts.push(section.type === "rich_text_preformatted" ? `<pre>${inner}</pre>` : `<div>${inner}</div>`);
    }
    return el("div", "bk-rich", parts.join(""));
  }

  function block(b, ctx) {
    const users = ctx.users || {};
    switch (b.type) {
      case "section": {
        const node = el("div", "bk-section");
        const body = el("div", "bk-section-body");
        if (b.text) body.append(el("div", "bk-text", textObject(b.text, users)));
        if (b.fields && b.fields.length) {
          const grid = el("div", "bk-fields");
          for (const f of b.fields) grid.append(el("div", "bk-field", textObject(f, users)));
          body.append(grid);
        }
        node.append(body);
        if (b.accessory) {
          const accessory = el("div", "bk-accessory");
          accessory.append(element(b.accessory, ctx, b.block_id));
          node.append(accessory);
        }
        return node;
      }
      case "header":
        return el("div", "bk-header", textObject(b.text, users));
      case "divider":
        return el("hr", "bk-divider");
      case "context": {
        const node = el("div", "bk-context");
        for (const e of b.elements || []) {
          if (e.type === "image") {
            const img = el("img", "bk-context-img");
            img.src = safeUrl(e.image_url || "");
            img.alt = e.alt_text || "";
            node.append(img);
          } else node.append(el("span", "", textObject(e, users)));
        }
        return node;
      }
      case "actions": {
        const node = el("div", "bk-actions");
        for (const e of b.elements || []) node.append(element(e, ctx, b.block_id));
        return node;
      }
      case "image": {
        const node = el("div", "bk-image");
        if (b.title) node.append(el("div", "bk-image-title", textObject(b.title, users)));
        const img = el("img");
        img.src = safeUrl(b.image_url || "");
        img.alt = b.alt_text || "";
        node.append(img);
        return node;
      }
      case "rich_text":
        return richText(b, users);
      case "input":
        return ctx.input ? ctx.input(b) : el("div", "bk-unknown", "[input]");
      default:
        return el("div", "bk-unknown", esc(`[${b.type} block]`));
    }
  }

  function render(blocks, ctx) {
    const root = el("div", "bk");
    for (const b of blocks || []) root.append(block(b, ctx || {}));
    return root;
  }

  function attachments(list, ctx) {
    const root = el("div", "bk-attachments");
    for (const a of list || []) {
      const node = el("div", "bk-attachment");
      node.style.borderLeftColor = a.color ? (a.color.startsWith("#") ? a.color : `#${a.color}`) : "#ddd";
      if (a.pretext) node.append(el("div", "bk-text", mrkdwn(a.pretext, ctx.users)));
      if (a.title) node.append(el("div", "bk-att-title", a.title_link ? `<a href="${esc(safeUrl(a.title_link))}" target="_blank" rel="noopener">${esc(a.title)}</a>` : esc(a.title)));
      if (a.text) node.append(el("div", "bk-text", mrkdwn(a.text, ctx.users)));
      if (a.blocks) node.append(render(a.blocks, ctx));
      if (a.fields && a.fields.length) {
        const grid = el("div", "bk-fields");
        for (const f of a.fields) grid.append(el("div", "bk-field", `<b>${esc(f.title || "")}</b><br>${mrkdwn(f.value, ctx.users)}`));
        node.append(grid);
      }
      if (a.footer) node.append(el("div", "bk-context", mrkdwn(a.footer, ctx.users)));
      root.append(node);
    }
    return root;
  }

  window.BlockKit = { render, attachments, mrkdwn, textObject, esc, el };
})();
