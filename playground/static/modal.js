// The modal Slack shows for views.open / views.push / views.update, and its view_submission.
"use strict";

(function () {
  const { el, esc, textObject, render } = window.BlockKit;

  let current = null; // {id, hash, values}

  function stateOf(element, value) {
    const state = { type: element.type };
    if (element.type === "plain_text_input" || element.type === "number_input" || element.type === "email_text_input" || element.type === "url_text_input") state.value = value || null;
    else if (element.type === "users_select") state.selected_user = value || null;
    else if (element.type === "datepicker") state.selected_date = value || null;
    else if (element.type === "multi_static_select" || element.type === "multi_external_select" || element.type === "checkboxes") state.selected_options = value || [];
    else state.selected_option = value || null;
    return state;
  }

  function initialValue(element) {
    if ("initial_value" in element) return element.initial_value;
    if ("initial_option" in element) return element.initial_option;
    if ("initial_user" in element) return element.initial_user;
    if ("initial_date" in element) return element.initial_date;
    if ("initial_options" in element) return element.initial_options;
    return null;
  }

  function inputBlock(view, api, users) {
    return function (b) {
      const element = b.element || {};
      const field = el("div", "modal-field");
      const label = el("label", "modal-label", textObject(b.label, users) + (b.optional ? ' <span class="optional">(optional)</span>' : ""));
      field.append(label);
      const values = current.values;
      const key = `${b.block_id}/${element.action_id}`;
      if (!(key in values)) values[key] = { block: b.block_id, action: element.action_id, state: stateOf(element, initialValue(element)) };
      const held = values[key].state;
      const set = (value) => {
        values[key].state = stateOf(element, value);
      };
      let control;
      if (element.type === "plain_text_input" || element.type === "number_input" || element.type === "email_text_input" || element.type === "url_text_input") {
        control = element.multiline ? el("textarea", "bk-input") : el("input", "bk-input");
        control.value = held.value || "";
        if (element.placeholder) control.placeholder = element.placeholder.text;
        control.addEventListener("input", () => set(control.value));
      } else if (element.type === "checkboxes") {
        control = el("div", "bk-checkboxes");
        for (const o of element.options || []) {
          const row = el("label", "bk-checkbox");
          const box = el("input");
          box.type = "checkbox";
          box.checked = (held.selected_options || []).some((s) => s.value === o.value);
          box.addEventListener("change", () => {
            const chosen = (values[key].state.selected_options || []).filter((s) => s.value !== o.value);
            set(box.checked ? chosen.concat([o]) : chosen);
          });
          row.append(box, el("span", "", textObject(o.text, users)));
          control.append(row);
        }
      } else if (element.type === "datepicker") {
        control = el("input", "bk-input");
        control.type = "date";
        control.value = held.selected_date || "";
        control.addEventListener("change", () => set(control.value));
      } else {
        control = el("select", "bk-select");
        control.append(new Option((element.placeholder && element.placeholder.text) || "Select…", ""));
        let options = element.options || [];
        for (const g of element.option_groups || []) options = options.concat(g.options || []);
        const fill = (list) => {
          options = list;
          for (const o of list) control.append(new Option((o.text && o.text.text) || o.value, o.value));
          const chosen = held.selected_option ? held.selected_option.value : held.selected_user;
          if (chosen) {
            if (![...control.options].some((o) => o.value === chosen) && held.selected_option) control.append(new Option(held.selected_option.text.text, chosen));
            control.value = chosen;
          }
        };
        if (element.type === "users_select") fill(Object.entries(users).filter(([, u]) => !u.is_bot).map(([id, u]) => ({ text: { type: "plain_text", text: u.real_name }, value: id })));
        else if (element.type === "external_select") api.options(view.id, element.action_id, b.block_id, "").then(fill);
        else fill(options);
        control.addEventListener("change", () => {
          const option = options.find((o) => o.value === control.value) || null;
          set(element.type === "users_select" ? control.value : option);
          if (b.dispatch_action) api.viewAction(view.id, { type: element.type, action_id: element.action_id, block_id: b.block_id, selected_option: option }, collect());
        });
      }
      control.dataset.blockId = b.block_id;
      field.append(control);
      if (b.hint) field.append(el("div", "modal-hint", textObject(b.hint, users)));
      const error = (view.errors || {})[b.block_id];
      if (error) field.append(el("div", "modal-error", esc(error)));
      return field;
    };
  }

  function collect() {
    const out = {};
    for (const v of Object.values(current ? current.values : {})) {
      out[v.block] = out[v.block] || {};
      out[v.block][v.action] = v.state;
    }
    return out;
  }

  // Render `view` into `host` unless the same version is already shown.
  function show(host, view, api, users) {
    if (!view) {
      current = null;
      host.replaceChildren();
      host.hidden = true;
      return;
    }
    const version = `${view.id}/${view.hash}/${JSON.stringify(view.errors || {})}`;
    if (current && current.version === version) return;
    if (!current || current.id !== view.id) current = { id: view.id, values: {} };
    current.version = version;
    const keep = new Set((view.blocks || []).filter((b) => b.type === "input").map((b) => `${b.block_id}/${(b.element || {}).action_id}`));
    for (const key of Object.keys(current.values)) if (!keep.has(key)) delete current.values[key];

    const box = el("div", "modal");
    box.setAttribute("role", "dialog");
    const head = el("div", "modal-head", `<span>${textObject(view.title, users)}</span>`);
    const x = el("button", "modal-x", "×");
    x.title = "Close";
    x.addEventListener("click", () => api.closeView(view.id));
    head.append(x);
    box.append(head);
    const body = el("div", "modal-body");
    body.append(render(view.blocks, { users, input: inputBlock(view, api, users), onAction: (action) => api.viewAction(view.id, action, collect()) }));
    box.append(body);
    const foot = el("div", "modal-foot");
    const cancel = el("button", "btn", view.close ? textObject(view.close, users) : "Cancel");
    cancel.addEventListener("click", () => api.closeView(view.id));
    foot.append(cancel);
    if (view.submit) {
      const submit = el("button", "btn primary", textObject(view.submit, users));
      submit.dataset.role = "submit";
      submit.addEventListener("click", () => api.submitView(view.id, collect()));
      foot.append(submit);
    }
    box.append(foot);
    host.replaceChildren(box);
    host.hidden = false;
  }

  window.Modal = { show };
})();
