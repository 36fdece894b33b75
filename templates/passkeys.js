// Passkeys on the hosted pages: signing in with one (the button, or the browser's
// autofill on the email field), using one as the second step after a password, and
// adding one on /account/passkeys. The options
// come from the server as WebAuthn JSON; the answer goes back in a form's hidden
// field, so the server answers it like any form. Without JavaScript or WebAuthn the
// pages work as before, with passwords.
"use strict";
(() => {
  if (!window.PublicKeyCredential) return;

  const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const base64url = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const withIds = (list) => (list || []).map((c) => ({ ...c, id: bytes(c.id) }));

  // RegistrationResponseJSON or AuthenticationResponseJSON (WebAuthn Level 3).
  function answer(credential) {
    const r = credential.response;
    const response = { clientDataJSON: base64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = base64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = base64url(r.authenticatorData);
      response.signature = base64url(r.signature);
      response.userHandle = r.userHandle ? base64url(r.userHandle) : null;
    }
    return {
      id: credential.id,
      rawId: base64url(credential.rawId),
      type: credential.type,
      response,
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  // Options from `path`, asked with the form's CSRF field and its `fields`.
  async function options(path, form, fields = []) {
    const body = new URLSearchParams({ csrf: form.elements.csrf.value });
    for (const field of fields) body.append(field, form.elements[field].value);
    const response = await fetch(path, { method: "POST", body, credentials: "same-origin" });
    if (!response.ok) throw new Error("options: " + response.status);
    return response.json();
  }

  function send(form, flowId, credential) {
    form.elements.flow_id.value = flowId;
    form.elements.credential.value = JSON.stringify(answer(credential));
    form.submit();
  }

  // Says, in the page's language (the form's data-failed), that the passkey step failed.
  function failed(form) {
    const note = form.querySelector(".passkey-error");
    note.textContent = form.dataset.failed;
    note.hidden = false;
  }

  // Asks the authenticator for an assertion with options from `path` and posts it.
  async function assert(path, form, request = {}) {
    const { flowId, publicKey } = await options(path, form);
    publicKey.challenge = bytes(publicKey.challenge);
    publicKey.allowCredentials = withIds(publicKey.allowCredentials);
    const credential = await navigator.credentials.get({ ...request, publicKey });
    if (credential) send(form, flowId, credential);
  }

  const signIn = document.getElementById("passkey-signin");
  if (signIn) {
    let autofill = null;
    const start = (mediation) => {
      if (autofill) autofill.abort();
      autofill = mediation === "conditional" ? new AbortController() : null;
      const request = autofill ? { mediation, signal: autofill.signal } : {};
      return assert("/login/passkey/options", signIn, request);
    };
    const button = document.getElementById("passkey-button");
    button.hidden = false;
    button.addEventListener("click", () =>
      start("optional").catch(() => failed(signIn)),
    );
    if (PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable()
        .then((available) => available && start("conditional"))
        .catch(() => {});
    }
  }

  const secondStep = document.getElementById("passkey-second-step");
  if (secondStep) {
    const button = secondStep.querySelector("button");
    button.hidden = false;
    button.addEventListener("click", () =>
      assert("/login/mfa/passkey/options", secondStep).catch(() => failed(secondStep)),
    );
  }

  // Has the authenticator create a passkey with options from `path` and posts it.
  async function create(path, form, fields) {
    const { flowId, publicKey } = await options(path, form, fields);
    publicKey.challenge = bytes(publicKey.challenge);
    publicKey.user.id = bytes(publicKey.user.id);
    publicKey.excludeCredentials = withIds(publicKey.excludeCredentials);
    send(form, flowId, await navigator.credentials.create({ publicKey }));
  }

  const creating = [
    ["passkey-add", "/account/passkeys/options", []],
    ["passkey-signup", "/signup/passkey/options", ["email", "name"]],
  ];
  for (const [id, path, fields] of creating) {
    const form = document.getElementById(id);
    if (!form) continue;
    form.hidden = false;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      create(path, form, fields).catch(() => failed(form));
    });
  }
})();
