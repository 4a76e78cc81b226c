// The token page: sign in with a token, list, create, revoke and delete tokens, and, for
// administrators, read the users and the audit log. It talks to the JSON API of the same
// origin. The token is kept in sessionStorage (this tab only), never in a cookie or the URL.
// Every text from the server is written with textContent, never parsed as HTML.
"use strict";

const KEY = "tollgate.token";
const $ = (id) => document.getElementById(id);

/** Calls the API with the signed-in token; the parsed answer, or an Error with its message. */
async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + sessionStorage.getItem(KEY) };
  const init = { method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) {
    return null;
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const error = answer && answer.error;
    const message = error ? `${error.message} (${error.code})` : `HTTP ${response.status}`;
    throw Object.assign(new Error(message), { status: response.status });
  }
  return answer;
}

function say(message) {
  $("status").textContent = message;
  $("error").textContent = "";
}

function fail(error) {
  if (error.status === 401 && sessionStorage.getItem(KEY)) {
    // The token no longer works (revoked, deleted or expired, perhaps from this very page):
    // forget it and show the sign-in form rather than a stale page.
    signOut();
  }
  $("status").textContent = "";
  $("error").textContent = error.message;
}

/** Runs `work`, showing its error if it throws. */
function guarded(work) {
  return (event) => {
    if (event) {
      event.preventDefault();
    }
    work(event).catch(fail);
  };
}

function when(at) {
  return at ? new Date(at).toLocaleString() : "never";
}

function addCell(row, text) {
  const cell = row.insertCell();
  cell.textContent = text;
  return cell;
}

function addButton(cell, label, className, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.className = className;
  button.addEventListener("click", guarded(onClick));
  cell.appendChild(button);
}

function statusOf(token) {
  if (token.revoked) {
    return "revoked";
  }
  if (token.expires_at && new Date(token.expires_at) <= new Date()) {
    return "expired";
  }
  return "active";
}

/** Whether the signed-in token may read the users: an administrator's. */
let isAdmin = false;

async function loadTokens() {
  const body = $("tokens").tBodies[0];
  body.replaceChildren();
  let tokens;
  try {
    tokens = await api("GET", "/v1/tokens?limit=1000");
  } catch (error) {
    if (error.status === 403) {
      addCell(body.insertRow(), "This token may not list tokens: sign in with a full-scope token.").colSpan = 8;
      return;
    }
    throw error;
  }
  for (const token of tokens) {
    const row = body.insertRow();
    row.dataset.name = token.name;
    addCell(row, token.name);
    addCell(row, token.kind);
    addCell(row, token.scope);
    addCell(row, when(token.expires_at));
    addCell(row, token.last_used_at ? when(token.last_used_at) : "not yet");
    addCell(row, statusOf(token));
    addCell(row, token.parent_id === null ? "none" : String(token.parent_id));
    const actions = addCell(row, "");
    actions.className = "actions";
    if (isAdmin && !token.revoked) {
      addButton(actions, "Revoke", "secondary", async () => {
        if (confirm(`Revoke “${token.name}” and every token made from it?`)) {
          await api("POST", `/v1/tokens/${token.id}/revoke`, {});
          say(`Revoked “${token.name}”.`);
          await loadAll();
        }
      });
    }
    addButton(actions, "Delete", "danger", async () => {
      if (confirm(`Delete “${token.name}”? Tokens made from it are revoked.`)) {
        await api("DELETE", `/v1/tokens/${token.id}`);
        say(`Deleted “${token.name}”.`);
        await loadAll();
      }
    });
  }
}

async function loadUsers() {
  const body = $("users").tBodies[0];
  body.replaceChildren();
  for (const user of await api("GET", "/v1/users?limit=1000")) {
    const row = body.insertRow();
    addCell(row, user.name);
    addCell(row, user.role);
  }
}

async function loadAudit() {
  const query = new URLSearchParams({ limit: "100" });
  const user = $("audit-user").value.trim();
  const action = $("audit-action").value;
  if (user) {
    query.set("user", user);
  }
  if (action) {
    query.set("action", action);
  }
  const body = $("audit").tBodies[0];
  body.replaceChildren();
  for (const entry of await api("GET", `/v1/audit?${query}`)) {
    const row = body.insertRow();
    addCell(row, when(entry.at));
    // No user: the server's own work, or (for refusals) a summary of a token's requests.
    addCell(row, entry.user ?? (entry.action === "refused" ? "—" : "server"));
    addCell(row, entry.token_id === null ? "—" : String(entry.token_id));
    addCell(row, entry.action);
    addCell(row, entry.target);
    addCell(row, entry.outcome);
    addCell(row, String(entry.count));
  }
}

async function loadAll() {
  const me = await api("GET", "/v1/tokens/current");
  $("who").textContent = `Signed in as ${me.user}, with “${me.name}” (${me.scope}).`;
  for (const id of ["who", "sign-out", "signed-in"]) {
    $(id).hidden = false;
  }
  $("sign-in").hidden = true;
  // What reading the users and the audit log needs: the admin role, and a token of admin or
  // full scope.
  isAdmin = me.role === "admin" && (me.scope === "admin" || me.scope === "full");
  $("admin").hidden = !isAdmin;
  await loadTokens();
  if (isAdmin) {
    await loadUsers();
    await loadAudit();
  }
}

function signOut() {
  sessionStorage.removeItem(KEY);
  hideSecret();
  for (const table of ["tokens", "users", "audit"]) {
    $(table).tBodies[0].replaceChildren();
  }
  for (const id of ["who", "sign-out", "signed-in"]) {
    $(id).hidden = true;
  }
  $("sign-in").hidden = false;
  $("sign-in-token").focus();
  say("Signed out.");
}

function hideSecret() {
  $("secret-value").value = "";
  $("secret").hidden = true;
}

/** The request body of the create form; fields left empty are omitted (inherited). */
function newToken() {
  const body = {
    name: $("create-name").value.trim(),
    scope: $("create-scope").value,
    kind: $("create-kind").value,
  };
  const expires = $("create-expires").value;
  if (expires) {
    body.expires_at = new Date(expires).toISOString();
  }
  const lines = (id) => $(id).value.split("\n").map((line) => line.trim()).filter(Boolean);
  const origins = lines("create-origins");
  if (origins.length) {
    body.allowed_origins = origins;
  }
  const grants = lines("create-grants");
  if (grants.length) {
    body.grants = Object.fromEntries(grants.map((line) => {
      const [resource, ...accesses] = line.split(/\s+/);
      return [resource, accesses];
    }));
  }
  const rate = $("create-rate").value.trim();
  if (rate) {
    body.rate_limit = rate;
  }
  const quota = $("create-quota").value;
  if (quota) {
    body.quota = { limit: Number(quota), period: "month" };
  }
  return body;
}

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").addEventListener("submit", guarded(async () => {
    sessionStorage.setItem(KEY, $("sign-in-token").value.trim());
    $("sign-in-token").value = "";
    try {
      await loadAll();
      say("Signed in.");
    } catch (error) {
      sessionStorage.removeItem(KEY);
      throw error;
    }
  }));
  $("sign-out").addEventListener("click", signOut);
  $("create-form").addEventListener("submit", guarded(async () => {
    const created = await api("POST", "/v1/tokens", newToken());
    $("create-form").reset();
    $("secret-value").value = created.token;
    $("secret").hidden = false;
    $("secret-value").focus();
    $("secret-value").select();
    say(`Created “${created.name}”.`);
    await loadAll();
  }));
  $("secret-copy").addEventListener("click", guarded(async () => {
    await navigator.clipboard.writeText($("secret-value").value);
    say("Copied.");
  }));
  $("secret-done").addEventListener("click", hideSecret);
  $("audit-form").addEventListener("submit", guarded(loadAudit));
  if (sessionStorage.getItem(KEY)) {
    loadAll().catch((error) => {
      sessionStorage.removeItem(KEY);
      fail(error);
    });
  }
});
