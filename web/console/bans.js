// Bans: the bans in force, a form to ban an author or an address range (with an expiry), and
// lifting a ban.
import { get, post, call, ApiError } from "./api.js";
import { h, fill, when, announce, labelled, localToRfc3339 } from "./dom.js";

let requested = null;

/** Opens the bans view with a ban of `kind` on `value` filled in, for the moderator to confirm. */
export function proposeBan(kind, value) {
  requested = { kind, value };
  location.hash = "#bans";
}

export class BansView {
  constructor() {
    this.table = h("tbody");
    this.kind = h("select", { name: "kind" },
      h("option", { value: "author" }, "Author (email or name)"),
      h("option", { value: "ip" }, "Address or range (CIDR)"));
    this.value = h("input", { name: "value", required: true, placeholder: "troll@example.org or 203.0.113.0/24" });
    this.reason = h("input", { name: "reason", placeholder: "why (kept in the audit log)" });
    this.expires = h("input", { name: "expires_at", type: "datetime-local" });
    this.error = h("p", { class: "form-error", role: "alert" });
    this.root = h("section", { class: "view", "aria-labelledby": "bans-title" },
      h("h1", { id: "bans-title" }, "Bans"),
      h("form", { class: "inline-form", onsubmit: (e) => { e.preventDefault(); this.create(); } },
        labelled("Kind", this.kind)[0], labelled("Value", this.value)[0], labelled("Reason", this.reason)[0],
        labelled("Expires (empty: until lifted)", this.expires)[0],
        h("button", { type: "submit", class: "btn btn-danger" }, "Ban")),
      this.error,
      h("table", { class: "grid" },
        h("thead", {}, h("tr", {}, ["kind", "value", "reason", "by", "since", "expires", ""].map((t) => h("th", {}, t)))),
        this.table));
  }

  async show() {
    if (requested) {
      this.kind.value = requested.kind;
      this.value.value = requested.value;
      requested = null;
      this.reason.focus();
    }
    try {
      const { bans } = await get("/api/v1/moderation/bans");
      fill(this.table, bans.length === 0
        ? h("tr", {}, h("td", { colspan: "7", class: "muted" }, "No bans in force."))
        : bans.map((ban) => h("tr", {},
          h("td", {}, ban.kind), h("td", {}, h("code", {}, ban.value)), h("td", {}, ban.reason || ""),
          h("td", {}, ban.created_by), h("td", {}, when(ban.created_at)),
          h("td", {}, ban.expires_at ? when(ban.expires_at) : "until lifted"),
          h("td", {}, h("button", { type: "button", class: "btn btn-quiet", onclick: () => this.lift(ban) }, "Lift")))));
    } catch (error) {
      announce(`Could not load bans: ${error.message}`, "error");
    }
  }

  async create() {
    this.error.textContent = "";
    try {
      await post("/api/v1/moderation/bans", {
        kind: this.kind.value,
        value: this.value.value.trim(),
        reason: this.reason.value.trim() || undefined,
        expires_at: localToRfc3339(this.expires.value),
      });
      announce(`Banned ${this.value.value.trim()}`, "success");
      this.value.value = "";
      this.reason.value = "";
      this.expires.value = "";
      await this.show();
    } catch (error) {
      this.error.textContent = error instanceof ApiError && error.field
        ? `${error.field}: ${error.message}` : error.message;
    }
  }

  async lift(ban) {
    try {
      await call("DELETE", `/api/v1/moderation/bans/${encodeURIComponent(ban.id)}`);
      announce(`Lifted the ban on ${ban.value}`, "success");
      await this.show();
    } catch (error) {
      announce(`Could not lift: ${error.message}`, "error");
    }
  }
}
