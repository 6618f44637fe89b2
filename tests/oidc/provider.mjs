// A real OpenID provider on loopback for Pilotgate's single sign-on tests:
// panva's oidc-provider (certified OpenID Connect), with its development
// sign-in page. Not for production: any password is accepted for the users below.
//
//   OIDC_PORT=5555 OIDC_REDIRECT_URI=http://127.0.0.1:8000/accounts/sso/callback/ node provider.mjs
//
// Environment: OIDC_PORT (required), OIDC_REDIRECT_URI (required, the live
// server's callback), OIDC_CLIENT_ID (pilotgate), OIDC_CLIENT_SECRET (test-secret).
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const redirectUri = process.env.OIDC_REDIRECT_URI;
if (!port || !redirectUri) {
  console.error("OIDC_PORT and OIDC_REDIRECT_URI are required");
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// The people of the tests; the login on the provider's page is the key.
export const USERS = {
  "lena.lead": {
    email: "lena.lead@example.com",
    given_name: "Lena",
    family_name: "Lead",
    groups: ["pilotgate-leads", "everyone"],
  },
  "sam.sponsor": {
    email: "sam.sponsor@example.com",
    given_name: "Sam",
    family_name: "Sponsor",
    groups: ["pilotgate-sponsors", "everyone"],
  },
  "nora.norole": {
    email: "nora.norole@example.com",
    given_name: "Nora",
    family_name: "Norole",
    groups: ["everyone"],
  },
};

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test-rs256", alg: "RS256", use: "sig" };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID || "pilotgate",
      client_secret: process.env.OIDC_CLIENT_SECRET || "test-secret",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: "RS256",
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ["pilotgate-test-cookie-key"] },
  pkce: { required: () => true },
  scopes: ["openid", "email", "profile", "groups"],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["preferred_username", "given_name", "family_name", "name"],
    groups: ["groups"],
  },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const user = USERS[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          preferred_username: id,
          email_verified: true,
          name: `${user.given_name} ${user.family_name}`,
          ...user,
        };
      },
    };
  },
  // First-party client: no consent page, every requested scope granted.
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile groups");
    await grant.save();
    return grant;
  },
});

provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
process.on("SIGTERM", () => process.exit(0));
