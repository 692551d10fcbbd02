// Accounts (admins only): add, change role, disable or enable, set a new password.
import { get, post, call, ApiError } from "./api.js";
import { h, fill, when, announce, labelled } from "./dom.js";

export class UsersView {
  constructor() {
    this.rows = h("tbody");
    this.username = h("input", { name: "username", required: true, autocomplete: "off" });
    this.password = h("input", { name: "password", type: "password", required: true, minlength: "12", autocomplete: "new-password" });
    this.role = h("select", { name: "role" }, h("option", { value: "moderator" }, "moderator"), h("option", { value: "admin" }, "admin"));
    this.error = h("p", { class: "form-error", role: "alert" });
    this.root = h("section", { class: "view", "aria-labelledby": "users-title" },
      h("h1", { id: "users-title" }, "Users"),
      h("form", { class: "inline-form", onsubmit: (e) => { e.preventDefault(); this.create(); } },
        labelled("Username", this.username)[0], labelled("Password (12+ characters)", this.password)[0],
        labelled("Role", this.role)[0], h("button", { type: "submit", class: "btn btn-primary" }, "Add user")),
      this.error,
      h("table", { class: "grid" },
        h("thead", {}, h("tr", {}, ["username", "role", "state", "created", "actions"].map((t) => h("th", {}, t)))),
        this.rows));
  }

  async show() {
    try {
      const { users } = await get("/api/v1/admin/users");
      fill(this.rows, users.map((user) => this.row(user)));
    } catch (error) {
      announce(`Could not load users: ${error.message}`, "error");
    }
  }

  row(user) {
    const role = h("select", { "aria-label": `role of ${user.username}`, onchange: () => this.update(user, { role: role.value }) },
      ["moderator", "admin"].map((r) => h("option", { value: r, selected: r === user.role }, r)));
    const password = h("input", { type: "password", placeholder: "new password", minlength: "12",
      "aria-label": `new password for ${user.username}`, autocomplete: "new-password" });
    return h("tr", { class: user.disabled ? "disabled" : "" },
      h("td", {}, user.username), h("td", {}, role),
      h("td", {}, user.disabled ? "disabled" : "active"), h("td", {}, when(user.created_at)),
      h("td", {}, h("div", { class: "row-actions" },
        h("button", { type: "button", class: "btn btn-quiet", onclick: () => this.update(user, { disabled: !user.disabled }) },
          user.disabled ? "Enable" : "Disable"),
        h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); this.update(user, { password: password.value }); } },
          password, h("button", { type: "submit", class: "btn btn-quiet" }, "Reset password")))));
  }

  async create() {
    this.error.textContent = "";
    try {
      await post("/api/v1/admin/users", { username: this.username.value.trim(), password: this.password.value, role: this.role.value });
      announce(`Added ${this.username.value.trim()}`, "success");
      this.username.value = "";
      this.password.value = "";
      await this.show();
    } catch (error) {
      this.error.textContent = error instanceof ApiError && error.field ? `${error.field}: ${error.message}` : error.message;
    }
  }

  async update(user, change) {
    try {
      await call("PATCH", `/api/v1/admin/users/${encodeURIComponent(user.username)}`, change);
      announce(`Updated ${user.username}${change.password ? " (sessions ended)" : ""}`, "success");
    } catch (error) {
      announce(`Could not update ${user.username}: ${error.message}`, "error");
    }
    await this.show();
  }
}
