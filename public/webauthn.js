// The browser half of WebAuthn: turns the server's JSON options (base64url strings) into the
// ArrayBuffers navigator.credentials wants, and the resulting credential back into JSON.
// Called from the WASM through window.switchyardWebauthn.
(function () {
  "use strict";
  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }
  function toText(buffer) {
    if (!buffer) return undefined;
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  // Serde writes absent options as null; WebIDL dictionaries want them left out.
  function dropNulls(value) {
    if (Array.isArray(value)) return value.map(dropNulls);
    if (value && typeof value === "object") {
      var out = {};
      Object.keys(value).forEach(function (key) {
        if (value[key] !== null && value[key] !== undefined) out[key] = dropNulls(value[key]);
      });
      return out;
    }
    return value;
  }
  function descriptors(list) {
    return (list || []).map(function (c) {
      return Object.assign({}, c, { id: toBuffer(c.id) });
    });
  }
  async function create(optionsJson) {
    var options = dropNulls(JSON.parse(optionsJson)).publicKey;
    options.challenge = toBuffer(options.challenge);
    options.user.id = toBuffer(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    var credential = await navigator.credentials.create({ publicKey: options });
    var response = credential.response;
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toText(response.attestationObject),
        clientDataJSON: toText(response.clientDataJSON),
        transports: response.getTransports ? response.getTransports() : undefined,
      },
      extensions: credential.getClientExtensionResults(),
    });
  }
  async function get(optionsJson) {
    var options = dropNulls(JSON.parse(optionsJson)).publicKey;
    options.challenge = toBuffer(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    var credential = await navigator.credentials.get({ publicKey: options });
    var response = credential.response;
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toText(response.authenticatorData),
        clientDataJSON: toText(response.clientDataJSON),
        signature: toText(response.signature),
        userHandle: toText(response.userHandle),
      },
      extensions: credential.getClientExtensionResults(),
    });
  }
  window.switchyardWebauthn = { create: create, get: get };
})();
