# English: the reference catalogue. Every other catalogue holds exactly these keys.

language-name = English
languages-label = Language
brand = mana
back = Back
done = Done
continue = Continue
home = Home
email = Email
password = Password
name = Name
code = Code
code-or-recovery-code = Code or recovery code
password-hint = (10 to 128 characters)

## Home
home-title-signed-in = Signed in
home-signed-in-as = You are signed in as { $email }.
home-mfa = Two-step verification
home-passkeys = Passkeys
home-delete = Delete account
home-sign-out = Sign out
home-welcome = Welcome
home-sign-in = Sign in
home-or = or
home-create-account = create an account

## Sign-in
signin-title = Sign in
signin-submit = Sign in
signin-with-passkey = Sign in with a passkey
signin-forgot = Forgot your password?
signin-no-account = No account yet?
signin-create-one = Create one
signin-wrong = Incorrect email or password.
signin-too-slow = The sign-in took too long. Sign in again.

## Second step
mfa-title = Two-step verification
mfa-enter-code = Enter the 6-digit code from your authenticator app, or one of your recovery codes.
mfa-enter-code-or-passkey = Enter the 6-digit code from your authenticator app, or one of your recovery codes, or use one of your passkeys.
mfa-use-passkey-only = Confirm that it is you with one of your passkeys.
mfa-verify = Verify
mfa-use-passkey = Use a passkey
mfa-passkey-needs-script = A passkey needs JavaScript turned on.
mfa-wrong-code = That code is not right.

## Two-step setup
mfa-setup-on = Two-step verification is on. To turn it off, confirm with your password and a code.
mfa-setup-turn-off = Turn off
mfa-setup-scan = Scan the code with an authenticator app, then enter the 6-digit code it shows.
mfa-setup-qr-alt = QR code of the authenticator setup link
mfa-setup-by-hand = Or enter this key by hand:
mfa-setup-open-app = Open in an authenticator app on this device
mfa-setup-turn-on = Turn on
mfa-setup-wrong-code = That code is not right. Scan the new code and try again.
mfa-setup-stays-on = { $reason } Two-step verification stays on.
mfa-recovery-title = Recovery codes
mfa-recovery-heading = Two-step verification is on
mfa-recovery-keep = Keep these recovery codes somewhere safe. Each one signs you in once if you lose your authenticator. They are shown only now.
mfa-error-unavailable = Two-step verification is not available: the operator has not set MANA_AUTH_SECRETS_KEY.
mfa-error-already-on = Two-step verification is already on.
mfa-error-not-set-up = Two-step verification is not set up.
mfa-error-wrong-code = The code is wrong or was already used.
mfa-error-code-required = Two-step verification is on: a code is required.
mfa-error-wrong-password = The password is wrong.

## Sign-up
signup-title = Create an account
signup-username = Username
signup-username-hint = (optional; letters, digits, . _ -)
signup-submit = Create account
signup-passkey-heading = Or with a passkey, without a password
signup-passkey-submit = Create account with a passkey
signup-have-account = Already have an account?
signup-sign-in = Sign in
signup-username-taken = This username is taken. Choose another one.
inbox-title = Check your inbox
signup-inbox-password = We sent a message to { $email } to confirm the address. You can sign in now with the password you chose.
signup-inbox-passkey = We sent a message to { $email } to confirm the address. You can sign in now with your passkey.
signup-continue = Continue to sign in

## Rules for account data
rule-email-invalid = Enter a valid email address.
rule-email-invisible = An email address cannot hold invisible or control characters.
rule-email-local-part = Before the @, an email address holds only letters a-z, digits and . ! # $ % & ' * + - / = ? ^ _ ` {"{"} | {"}"} ~
rule-password-short = The password must be at least 10 characters long.
rule-password-long = The password must be at most 128 characters long.
rule-password-common = The password is on the list of the most common passwords; choose another.
rule-username = A username has 1 to 64 lowercase letters, digits, dots, dashes or underscores.
rule-name = A name has at most 200 characters and no control characters.
rule-passkey-name = A passkey needs a name.

## Passwords
forgot-title = Reset your password
forgot-intro = Enter the email of your account. We will mail you a link to choose a new password.
forgot-submit = Send the link
forgot-back = Back to sign in
forgot-sent = If an account uses this address, we mailed it a link to choose a new password.
reset-title = Choose a new password
reset-new-password = New password
reset-submit = Set the password
reset-done-title = Password changed
reset-done = Your password is changed and you are signed out everywhere. Sign in with the new one.
reset-sign-in = Sign in
link-invalid = This link is invalid, has expired or was already used.
email-confirmed-title = Email confirmed
email-confirmed = Thank you: your address is confirmed.

## Passkeys
passkeys-title = Passkeys
passkeys-intro = A passkey signs you in with your fingerprint, face or device PIN, without a password.
passkeys-none = You have no passkeys yet.
passkeys-used = Added { $added }; last used { $used }.
passkeys-never = never
passkeys-rename = Rename
passkeys-remove = Remove
passkeys-new-name = Name of the new passkey
passkeys-new-placeholder = e.g. Laptop
passkeys-add = Add a passkey
passkeys-needs-script = Adding a passkey needs a browser that supports passkeys, with JavaScript on.
passkeys-not-added = No passkey was added. Try again.
passkeys-no-account = No account was created. Try again.
passkeys-signin-failed = The passkey sign-in did not finish. Try again.
passkeys-not-used = The passkey was not used. Try again.
passkeys-registered = This passkey is registered already.
passkeys-not-accepted = That passkey was not accepted.
passkeys-too-slow = The passkey took too long. Try again.
passkeys-unreadable = The passkey's answer was unreadable. Try again.
passkeys-no-such = There is no such passkey.
passkeys-last-way = This is the last way to sign in to your account. Add another first.

## Account deletion
delete-title = Delete your account
delete-warning = This deletes { $email } for good: you are signed out everywhere, the apps you signed in to lose access, your name, email and devices are erased, and your remaining credits are forfeited. It cannot be undone.
delete-confirm = I understand that my account is deleted for good
delete-submit = Delete my account
delete-tick = Tick the box to confirm.
delete-not-deleted = { $reason } Your account was not deleted.
delete-sole-owner = The organization "{ $organization }" has no other owner: make another member an owner first.
delete-done-title = Account deleted
delete-done = Your account and its personal data are gone.

## First run
setup-title = Set up mana-auth
setup-heading = Create the administrator
setup-intro = This link works once. The account you create here administers this provider.
setup-submit = Create administrator
setup-taken = An account with this email exists: make it an administrator with `mana-auth user grant-admin`.
setup-used = This setup link was used already.

## Consent
consent-title = Allow access
consent-heading = Allow { $client }?
consent-asks = { $client } asks to:
consent-allow = Allow
consent-deny = Deny
scope-openid = Know who you are
scope-profile = See your name and username
scope-email = See your email address
scope-offline-access = Stay signed in when you are away
scope-account = See your account, its sessions and its security events
scope-account-write = Change your account, its password and its sessions, and sign you out
scope-organizations = See and manage your organizations and their members
scope-credits = See and spend your credits
scope-upstream-tokens = Use your accounts at the other providers you sign in with, as far as you allowed them

## Devices
device-title = Connect a device
device-intro = Enter the code your device shows.
device-invalid = That code is not valid or has expired. Check the code on your device.
device-connected-title = Device connected
device-connected = You can go back to your device: it is signed in.
device-denied-title = Request denied
device-denied = The device was not signed in.
device-expired = This code has expired or was used. Start again on your device.

## Sign-out
logout-title = Sign out
logout-heading = Sign out?
logout-intro = You will be signed out of mana and of the applications you signed in to with it.
logout-submit = Sign out
logged-out-title = Signed out
logged-out-heading = You are signed out
logged-out-close = You can close this window.
logout-client-mismatch = client_id does not match the id_token_hint.
logout-uri-unregistered = The post-logout redirect URI is not registered for this application.
logout-hint-invalid = The sign-out request carries an invalid id_token_hint.

## Authorization requests
authorize-client-missing = client_id is missing.
authorize-client-unknown = This application is not registered.
authorize-client-gone = This application is no longer registered.
authorize-redirect-unregistered = The redirect URI is not registered for this application.
authorize-request-used = This sign-in request has expired or was used. Start again from the application.
authorize-request-expired = This sign-in request has expired. Start again from the application.

## Errors
error-refused = Request refused
error-slow-down = Slow down
error-unavailable-title = Unavailable
error-went-wrong = Something went wrong
error-not-found-title = Not Found
error-not-allowed-title = Method Not Allowed
error-gone-title = Gone
error-not-found = There is no page at this address.
error-not-allowed = This page does not take this kind of request.
error-form-expired = The form has expired. Go back, reload the page and try again.
error-throttled = Too many attempts. Try again in { $seconds } seconds.
error-unavailable = The service is unavailable. Try again shortly.
error-internal = Something went wrong on our side.
error-too-large = The form is too large.
error-media-type = This page takes only forms.
error-malformed = The form is incomplete or malformed. Go back and try again.

## Mails
mail-verify-subject = Confirm your email address
mail-verify-body =
    Confirm that { $email } is your address by opening this link:

    { $link }

    If you did not create an account, ignore this message.
mail-reset-subject = Reset your password
mail-reset-body =
    Someone asked to reset the password of the account { $email }. To choose a new one, open this link within { $minutes } minutes:

    { $link }

    Setting a new password signs you out everywhere. If you did not ask for this, ignore this message; your password stays as it is.
mail-signup-attempt-subject = You already have an account
mail-signup-attempt-body =
    Someone tried to create an account with { $email }, which already has one. If that was you, sign in at { $login }, or reset your password at { $forgot }.

    If it was not you, you need not do anything.

## Administration
admin-title = Administration
admin-my-account = My account
admin-only = This page is for administrators.
admin-needs-second-factor = Administrators need two-step verification or a passkey: set one up on your account first.
admin-counts = { $accounts } accounts, { $admins } of them administrators.
admin-users-title = Users
admin-users-search = Search by email, name or username
admin-users-search-submit = Search
admin-users-none = No account matches.
admin-previous = Previous page
admin-next = Next page
admin-role = Role
admin-role-admin = Administrator
admin-created = Created
admin-created-at = created { $at }
admin-last-sign-in = Last sign-in: { $at }
admin-never = never
admin-code-on = Authenticator app: on
admin-code-off = Authenticator app: off
admin-passkeys = Passkeys: { $count }
admin-credits = Credits
admin-balances = { $free } free, { $paid } paid
admin-organizations = Organizations
admin-none = None.
admin-sessions = Sessions and devices
admin-no-sessions = No active session.
admin-device = Device
admin-address = Address
admin-signed-in = Signed in
admin-last-used = Last used
admin-end-sessions = End all sessions
admin-grant = Make administrator
admin-revoke = Remove administrator role
admin-disabled = Disabled
admin-disable = Disable
admin-enable = Enable
admin-disable-admin = An administrator's account cannot be disabled: take the administrator role away first.
admin-last-admin = This is the last administrator: make someone else an administrator first.
admin-events = Security events
admin-when = When
admin-event = Event
admin-no-such-user = There is no such account.
signin-reauth = Sign in again to continue to the administration.

## The account pages
home-account = Your account
account-title = Your account
account-email-verified = confirmed
account-email-unverified = not confirmed yet
account-profile = Profile
account-save = Save
account-security = Signing in
account-data = Your data
account-export = Download my data (JSON)
account-back = Back to your account
account-wrong-password = The current password is wrong.
account-password-title = Change password
account-password-intro = After the change, every other device signed in to your account is signed out.
account-current-password = Current password
account-new-password = New password
account-password-submit = Change password
account-password-changed = Your password is changed. { $count ->
    [0] No other device was signed in.
    [one] One other device was signed out.
   *[other] { $count } other devices were signed out.
}
account-no-password = Your account has no password: you sign in with a passkey or another provider. To set one, ask for a password reset mail.
account-set-password = Set a password by mail
account-sessions-title = Sessions and devices
account-sessions-intro = Where your account is signed in. Sign out a device you do not know, then change your password.
account-actions = Actions
account-this-device = this device
account-end-session = Sign out
account-end-others = Sign out every other device
account-apps-title = Apps with access
account-apps-intro = Applications you allowed to use your account. Removing access ends what the application keeps (it can no longer renew its sign-in) and forgets your consent; it asks you again the next time you use it.
account-apps-none = No application has access to your account.
account-apps-granted = Allowed on { $at }:
account-apps-offline = Stays signed in while you are away.
account-apps-revoke = Remove access of { $app }
account-email = Email address
account-new-email = New email address
account-email-hint = We mail a link to the new address; your account moves there when you open it.
account-email-submit = Change email address
account-email-title = Email address
account-email-sent = We sent a link to { $email }. Open it to move your account to that address; until then your address stays as it is.
account-email-changed = Your account now uses { $email }.
account-email-same = This is already your address.
account-email-no-password = Your account has no password to confirm this with: set one first.
account-email-taken = This address belongs to another account now, so your address stays as it is.
mail-change-email-subject = Confirm your new email address
mail-change-email-body =
    Someone asked to move their account to { $email }. If that was you, open this link within { $minutes } minutes:

    { $link }

    If it was not you, ignore this message; no account moves to this address.
mail-email-changed-subject = Your email address was changed
mail-email-changed-body =
    Your account no longer uses { $email }: it was moved to another address, confirmed from there.

    If you did not do this, someone who knows your password moved your account: contact the operator of this service.
admin-reset-mfa = Turn the authenticator app off
admin-send-reset = Send a password reset mail
admin-delete = Delete the account
admin-delete-type-email = Type the account's email address to delete it, with its data, for good
admin-delete-submit = Delete the account
admin-delete-admin = An administrator's account cannot be deleted here: take the administrator role away first.
admin-delete-mismatch = The typed address is not this account's: nothing was deleted.
admin-clients-title = Clients
admin-client-new = New client
admin-client-id = Client ID
admin-client-kind = Type
admin-client-source = Source
admin-client-public = public
admin-client-confidential = confidential (with a secret)
admin-client-public-hint = public (no secret: apps in a browser or on a device, with PKCE)
admin-client-redirect-uris = Redirect URIs (one a line)
admin-client-logout-uris = Post-logout redirect URIs (one a line)
admin-client-backchannel = Back-channel logout URI
admin-client-grants = Grant types
admin-client-skip-consent = Skip the consent page (a first-party application)
admin-client-alg = id_token signature
admin-client-alg-default = the provider's default
admin-client-alg-unknown = Choose a known signature algorithm.
admin-client-create = Create client
admin-client-declared = This client is declared in the configuration file: change it there.
admin-client-invalid = The client was not saved: { $reason }
admin-client-secret-title = Client secret
admin-client-secret-for = The secret of the client { $id }:
admin-client-secret-once = Copy it now: it is shown only this once. Only its digest is stored.
admin-client-back = Back to the client
admin-client-rotate = New secret
admin-client-delete = Delete the client
admin-client-delete-type-id = Type the client ID to delete it; its refresh tokens stop working and the consents given to it are forgotten
admin-client-delete-mismatch = The typed ID is not this client's: nothing was deleted.
admin-no-such-client = There is no such client.
device-browser-on-system = { $browser } on { $system }
admin-audit-title = Audit
admin-audit-user = Account (email or id)
admin-audit-since = Since
admin-audit-until = Until
admin-audit-time-hint = A time ago (30m, 24h, 7d) or a time such as 2026-12-01T00:00:00Z.
admin-audit-details = Details
admin-audit-refused = Invalid search: { $reason }
admin-audit-newest = Newest
admin-audit-older = Older events
admin-keys-title = Signing keys
admin-keys-state = State
admin-keys-signing-since = Signing since
admin-keys-retired = Retired
admin-keys-rotate = Start a rotation
admin-keys-rotate-intro = Publishes a next key of each algorithm; it signs once relying parties have had time to fetch it, and the old key is still published until its tokens expire.
admin-keys-emergency = Emergency rotation
admin-keys-emergency-intro = For a leaked key: every key is dropped and new ones sign at once. Every token signed before stops verifying, so everyone signs in again.
admin-keys-emergency-type = Type { $word } to drop every key
admin-keys-emergency-mismatch = Nothing was rotated: type { $word } to confirm.
admin-members = Members
admin-member-since = Member since
admin-no-such-organization = There is no such organization.
admin-credits-check = Ledger check
admin-credits-balanced = Every transaction balances, and every balance matches its entries.
admin-credits-unbalanced = The ledger check found problems:
admin-credits-grant = Grant or take back credits
admin-credits-amount-label = Credits (added to the paid wallet; negative: taken from it)
admin-credits-amount = the amount must be a whole number
admin-credits-reason = Reason (kept with the transaction and in the audit)
admin-credits-refused = Nothing changed: { $reason }
admin-system-title = System
admin-system-version = mana-auth { $version }
admin-system-schema = Database schema: { $schema }
admin-system-readiness = Readiness
admin-system-ready = Ready: this process takes requests.
admin-system-not-ready = Not ready: this process answers 503 to readiness checks.
admin-system-backups = Backups
admin-system-schedule = Schedule: { $schedule }
admin-system-no-schedule = none (backups only by hand)
admin-system-backup-file = File
admin-system-backup-size = Bytes
admin-system-backup-places = Kept in
admin-system-backup-now = Back up now
admin-system-backup-failed = No backup was written: { $reason }
admin-system-config = Configuration
admin-system-config-note = As this process read it, after the environment; every secret shows as [redacted].
signin-reauth-account = Sign in again to confirm it is you.
delete-passkey-sign-in = Your account has no password. To confirm it is you, sign in again with your passkey or the provider you sign in with; you then have five minutes to delete the account.
delete-sign-in-link = Sign in again
delete-sign-in-again = Sign in again first: your sign-in is more than five minutes old.
admin-client-id-reserved = The ID "new" is taken by the page that creates clients: choose another.
admin-system-last-backup = Last scheduled backup written: { $at }
admin-system-backup-failure = A scheduled backup of this process failed at { $at }: the log says why.

## Signing in with another identity provider
upstream-button = Sign in with { $name }
upstream-unknown = There is no such sign-in provider.
upstream-failed-title = Sign-in with { $name } did not work
upstream-back = Back to sign-in
upstream-unreachable = { $name } could not be reached. Try again in a moment, or sign in another way.
upstream-refused = { $name } did not sign you in.
upstream-invalid = The answer from { $name } could not be accepted. Start again from the sign-in page.
upstream-expired = This sign-in was finished already, has expired, or was started in another browser. Start again from the sign-in page.
upstream-no-email = { $name } did not tell us your email address, so it cannot sign you in here.
upstream-unverified = { $name } has not confirmed your email address, so it cannot sign you in here. Sign in with your password or passkey and link { $name } on your account page.
upstream-no-account = No account here is linked to your { $name } account. Sign in with your password or passkey and link { $name } on your account page.
upstream-account-disabled = The account your { $name } account is linked to is disabled.
upstream-sign-in-to-link = An account with this email address exists. Sign in to it once to link your { $name } account; from then on { $name } signs you in.
upstream-linked-elsewhere = This { $name } account is linked to another account here.
upstream-other-linked = Your account is linked to another { $name } account already. Unlink that one first.
upstream-last-way = This is the last way to sign in to your account. Set a password or add a passkey first.
upstream-not-linked = This provider is not linked to your account.
account-upstreams-title = Other sign-in providers
account-upstreams-intro = Accounts at other providers you can sign in with. Linking one sends you there to sign in once.
account-upstream-linked = Linked on { $at }
account-upstream-not-linked = Not linked.
account-upstream-gone = This provider is no longer offered here: unlink it to forget the link.
account-upstream-link = Link { $name }
account-upstream-unlink = Unlink { $name }
onward-title = One moment…
onward-continue = Continue
admin-upstreams-title = Sign-in providers
admin-upstreams-intro = The other identity providers people may sign in with: those of the configuration file ([[upstreams]]), changed there, and those made on these pages. Register each one's redirect URI at the provider.
admin-upstream-new = New sign-in provider
admin-upstream-new-intro = Its client secret is sealed with the secrets key; every process offers it within cache.upstreams_secs. Then register the redirect URI shown on its page at the provider.
admin-upstream-id = ID (a-z, 0-9, - and _; part of the redirect URI, fixed once created)
admin-upstream-issuer-hint = oidc: the issuer, found by discovery (needed). github: the address of a GitHub Enterprise Server, empty for github.com. google: leave empty. Fixed once created, like the kind.
admin-upstream-button-name = Name (on the button: "Sign in with …")
admin-upstream-client-id = Client ID at the provider
admin-upstream-client-secret = Client secret at the provider
admin-upstream-secret-kept = Leave it empty to keep the current one; it is never shown.
admin-upstream-api-url = API address (github only; empty for api.github.com)
admin-upstream-scopes = Scopes, separated by spaces (empty: openid email profile, or read:user user:email for GitHub)
admin-upstream-claims = Claims read (empty: the defaults)
admin-upstream-auto-create = Create an account at the first sign-in of someone whose confirmed address no account has
admin-upstream-link-by-email = Link at once to the account with the same address when both sides confirmed it (otherwise its password links)
admin-upstream-trust-mfa = Count the provider's own second factor for acr_values=mfa
admin-upstream-store-tokens = Keep its access token, sealed, for applications granted upstream_tokens
admin-upstream-create = Create provider
admin-upstream-register = Register this redirect URI at the provider:
admin-upstream-source-file = configuration file
admin-upstream-source-pages = admin pages
admin-upstream-declared = This provider is declared in the configuration file: change it there.
admin-upstream-shadowed = Not offered: the configuration file has a provider with this ID, which is used instead.
admin-upstream-invalid = The provider was not saved: { $reason }
admin-upstream-kind-unknown = Choose oidc, github or google.
admin-upstream-id-reserved = The ID "new" is taken by the page that creates providers: choose another.
admin-upstream-delete = Delete the provider
admin-upstream-delete-type-id = Type the provider's ID to delete it. Every account linked through it is unlinked; one that signed in only there gets in again by resetting its password by email.
admin-upstream-delete-mismatch = The typed ID is not this provider's: nothing was deleted.
admin-no-such-upstream = There is no such sign-in provider.
admin-upstream-name = Provider
admin-upstream-kind = Kind
admin-upstream-issuer = Issuer
admin-upstream-redirect = Redirect URI
admin-upstream-settings = Settings on
admin-upstream-linked = Linked accounts
