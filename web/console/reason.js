// A small modal asking for an optional reason: resolves to the text, or null when cancelled.
import { h } from "./dom.js";

export function reasonPrompt(title) {
  return new Promise((resolve) => {
    const input = h("input", { name: "reason", maxlength: "1000", autocomplete: "off",
      placeholder: "optional; kept in the audit log" });
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "reason-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "reason-title" }, title),
        h("label", { class: "field" }, h("span", { class: "field-label" }, "Reason"), input),
        h("div", { class: "actions" },
          h("button", { type: "submit", class: "btn btn-reject", value: "ok" }, "Reject"),
          h("button", { type: "submit", class: "btn btn-quiet", value: "cancel", formnovalidate: true }, "Cancel"))));
    const opener = document.activeElement;
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener instanceof HTMLElement) opener.focus();
      resolve(dialog.returnValue === "ok" ? input.value.trim() : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}
