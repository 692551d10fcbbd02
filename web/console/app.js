// The moderator console: sign-in, navigation between views, global keys, help and theme.
import { currentSession, login, logout, onSessionExpired, ApiError } from "./api.js";
import { h, fill, announce } from "./dom.js";
import { QueueView } from "./queue.js";
import { BansView } from "./bans.js";
import { ArticlesView } from "./articles.js";
import { AuditView } from "./audit.js";
import { RulesView } from "./rules.js";
import { UsersView } from "./users.js";

const params = new URLSearchParams(location.search);
const pollSeconds = Math.max(1, Number(params.get("poll")) || 10);

const VIEWS = [
  { id: "queue", label: "Queue", make: () => new QueueView({ pollSeconds }) },
  { id: "articles", label: "Articles", make: () => new ArticlesView() },
  { id: "bans", label: "Bans", make: () => new BansView() },
  { id: "log", label: "Audit log", make: () => new AuditView() },
  { id: "rules", label: "Rules", admin: true, make: () => new RulesView() },
  { id: "users", label: "Users", admin: true, make: () => new UsersView() },
];

const shell = document.getElementById("app");
const loginPanel = document.getElementById("login");
const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const views = new Map();
let active = null;
let pendingSignIn = null;

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem("gatehouse.theme", theme);
  document.getElementById("theme").textContent = theme === "dark" ? "Light theme" : "Dark theme";
}

function preferredTheme() {
  return localStorage.getItem("gatehouse.theme") ||
    (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
}

/** Shows the sign-in form; resolves once signed in. Over the app when a session expired. */
function signIn(message) {
  if (pendingSignIn) return pendingSignIn;
  pendingSignIn = new Promise((resolve) => {
    const form = loginPanel.querySelector("form");
    const error = loginPanel.querySelector(".login-error");
    const note = loginPanel.querySelector(".login-note");
    note.textContent = message || "";
    error.textContent = "";
    loginPanel.hidden = false;
    loginPanel.classList.toggle("overlay", !shell.hidden);
    form.elements.username.value = currentSession()?.username || form.elements.username.value;
    (form.elements.username.value ? form.elements.password : form.elements.username).focus();
    form.onsubmit = async (event) => {
      event.preventDefault();
      error.textContent = "";
      try {
        await login(form.elements.username.value, form.elements.password.value);
        form.elements.password.value = "";
        loginPanel.hidden = true;
        pendingSignIn = null;
        resolve();
      } catch (err) {
        error.textContent = err instanceof ApiError && err.status === 429
          ? `Too many attempts: try again in ${err.retryAfter || 60} seconds.`
          : err instanceof ApiError && err.status === 401 ? "Wrong username or password." : `Could not sign in: ${err.message}`;
        form.elements.password.select();
      }
    };
  });
  return pendingSignIn;
}

function renderNav() {
  const session = currentSession();
  const allowed = VIEWS.filter((view) => !view.admin || session?.role === "admin");
  fill(nav, allowed.map((view) => h("a", { href: `#${view.id}`, dataset: { view: view.id },
    "aria-current": active?.id === view.id ? "page" : false }, view.label)));
  fill(who, session ? `${session.username} · ${session.role}` : "");
}

function route() {
  const session = currentSession();
  const wanted = location.hash.slice(1) || "queue";
  const view = VIEWS.find((v) => v.id === wanted && (!v.admin || session?.role === "admin")) || VIEWS[0];
  if (active?.id === view.id) return;
  active?.instance.hide?.();
  if (!views.has(view.id)) views.set(view.id, view.make());
  const instance = views.get(view.id);
  active = { id: view.id, instance };
  fill(main, instance.root);
  renderNav();
  instance.show();
}

async function start() {
  applyTheme(preferredTheme());
  onSessionExpired(signIn);
  if (!currentSession()) {
    shell.hidden = true;
    await signIn();
  }
  shell.hidden = false;
  route();
}

function isTyping(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || !loginPanel.hidden) return;
  if (document.querySelector("dialog[open]")) return;
  if (isTyping(event.target)) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  if (event.key === "?") {
    document.getElementById("help").showModal();
    event.preventDefault();
    return;
  }
  if (active?.instance.onKey?.(event)) event.preventDefault();
});

window.addEventListener("hashchange", route);
document.getElementById("theme").addEventListener("click", () =>
  applyTheme(document.documentElement.dataset.theme === "dark" ? "light" : "dark"));
document.getElementById("help-open").addEventListener("click", () => document.getElementById("help").showModal());
document.getElementById("help-close").addEventListener("click", () => document.getElementById("help").close());
document.getElementById("signout").addEventListener("click", async () => {
  await logout();
  active?.instance.hide?.();
  active = null;
  views.clear();
  fill(main);
  shell.hidden = true;
  announce("Signed out.");
  await signIn("You have signed out.");
  shell.hidden = false;
  route();
});

start();
