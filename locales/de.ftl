# Deutsch. Hält genau die Schlüssel des englischen Katalogs (en.ftl).

language-name = Deutsch
languages-label = Sprache
brand = mana
back = Zurück
done = Fertig
continue = Weiter
home = Startseite
email = E-Mail
password = Passwort
name = Name
code = Code
code-or-recovery-code = Code oder Wiederherstellungscode
password-hint = (10 bis 128 Zeichen)

## Home
home-title-signed-in = Angemeldet
home-signed-in-as = Sie sind als { $email } angemeldet.
home-mfa = Bestätigung in zwei Schritten
home-passkeys = Passkeys
home-delete = Konto löschen
home-sign-out = Abmelden
home-welcome = Willkommen
home-sign-in = Anmelden
home-or = oder
home-create-account = ein Konto erstellen

## Sign-in
signin-title = Anmelden
signin-submit = Anmelden
signin-with-passkey = Mit einem Passkey anmelden
signin-forgot = Passwort vergessen?
signin-no-account = Noch kein Konto?
signin-create-one = Jetzt erstellen
signin-wrong = E-Mail-Adresse oder Passwort ist falsch.
signin-too-slow = Die Anmeldung hat zu lange gedauert. Bitte melden Sie sich erneut an.

## Second step
mfa-title = Bestätigung in zwei Schritten
mfa-enter-code = Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App oder einen Ihrer Wiederherstellungscodes ein.
mfa-enter-code-or-passkey = Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App oder einen Ihrer Wiederherstellungscodes ein, oder verwenden Sie einen Ihrer Passkeys.
mfa-use-passkey-only = Bestätigen Sie mit einem Ihrer Passkeys, dass Sie es sind.
mfa-verify = Bestätigen
mfa-use-passkey = Passkey verwenden
mfa-passkey-needs-script = Für einen Passkey muss JavaScript eingeschaltet sein.
mfa-wrong-code = Dieser Code stimmt nicht.

## Two-step setup
mfa-setup-on = Die Bestätigung in zwei Schritten ist eingeschaltet. Um sie auszuschalten, bestätigen Sie mit Ihrem Passwort und einem Code.
mfa-setup-turn-off = Ausschalten
mfa-setup-scan = Scannen Sie den Code mit einer Authenticator-App und geben Sie dann den 6-stelligen Code ein, den sie anzeigt.
mfa-setup-qr-alt = QR-Code des Einrichtungslinks für die Authenticator-App
mfa-setup-by-hand = Oder geben Sie diesen Schlüssel von Hand ein:
mfa-setup-open-app = In einer Authenticator-App auf diesem Gerät öffnen
mfa-setup-turn-on = Einschalten
mfa-setup-wrong-code = Dieser Code stimmt nicht. Scannen Sie den neuen Code und versuchen Sie es erneut.
mfa-setup-stays-on = { $reason } Die Bestätigung in zwei Schritten bleibt eingeschaltet.
mfa-recovery-title = Wiederherstellungscodes
mfa-recovery-heading = Die Bestätigung in zwei Schritten ist eingeschaltet
mfa-recovery-keep = Bewahren Sie diese Wiederherstellungscodes sicher auf. Jeder meldet Sie einmal an, falls Sie Ihre Authenticator-App verlieren. Sie werden nur jetzt angezeigt.
mfa-error-unavailable = Die Bestätigung in zwei Schritten ist nicht verfügbar: Der Betreiber hat MANA_AUTH_SECRETS_KEY nicht gesetzt.
mfa-error-already-on = Die Bestätigung in zwei Schritten ist bereits eingeschaltet.
mfa-error-not-set-up = Die Bestätigung in zwei Schritten ist nicht eingerichtet.
mfa-error-wrong-code = Der Code ist falsch oder wurde bereits verwendet.
mfa-error-code-required = Die Bestätigung in zwei Schritten ist eingeschaltet: Ein Code ist erforderlich.
mfa-error-wrong-password = Das Passwort ist falsch.

## Sign-up
signup-title = Konto erstellen
signup-username = Benutzername
signup-username-hint = (optional; Buchstaben, Ziffern, . _ -)
signup-submit = Konto erstellen
signup-passkey-heading = Oder mit einem Passkey, ohne Passwort
signup-passkey-submit = Konto mit einem Passkey erstellen
signup-have-account = Sie haben bereits ein Konto?
signup-sign-in = Anmelden
signup-username-taken = Dieser Benutzername ist vergeben. Bitte wählen Sie einen anderen.
inbox-title = Sehen Sie in Ihr Postfach
signup-inbox-password = Wir haben eine Nachricht an { $email } geschickt, um die Adresse zu bestätigen. Sie können sich jetzt mit dem gewählten Passwort anmelden.
signup-inbox-passkey = Wir haben eine Nachricht an { $email } geschickt, um die Adresse zu bestätigen. Sie können sich jetzt mit Ihrem Passkey anmelden.
signup-continue = Weiter zur Anmeldung

## Rules for account data
rule-email-invalid = Geben Sie eine gültige E-Mail-Adresse ein.
rule-email-invisible = Eine E-Mail-Adresse darf keine unsichtbaren oder Steuerzeichen enthalten.
rule-email-local-part = Vor dem @ enthält eine E-Mail-Adresse nur die Buchstaben a-z, Ziffern und . ! # $ % & ' * + - / = ? ^ _ ` {"{"} | {"}"} ~
rule-password-short = Das Passwort muss mindestens 10 Zeichen lang sein.
rule-password-long = Das Passwort darf höchstens 128 Zeichen lang sein.
rule-password-common = Das Passwort steht auf der Liste der häufigsten Passwörter; bitte wählen Sie ein anderes.
rule-username = Ein Benutzername besteht aus 1 bis 64 Kleinbuchstaben, Ziffern, Punkten, Binde- oder Unterstrichen.
rule-name = Ein Name hat höchstens 200 Zeichen und keine Steuerzeichen.
rule-passkey-name = Ein Passkey braucht einen Namen.

## Passwords
forgot-title = Passwort zurücksetzen
forgot-intro = Geben Sie die E-Mail-Adresse Ihres Kontos ein. Wir schicken Ihnen einen Link, mit dem Sie ein neues Passwort wählen.
forgot-submit = Link senden
forgot-back = Zurück zur Anmeldung
forgot-sent = Falls ein Konto diese Adresse verwendet, haben wir ihr einen Link geschickt, mit dem Sie ein neues Passwort wählen.
reset-title = Neues Passwort wählen
reset-new-password = Neues Passwort
reset-submit = Passwort festlegen
reset-done-title = Passwort geändert
reset-done = Ihr Passwort ist geändert und Sie sind überall abgemeldet. Melden Sie sich mit dem neuen an.
reset-sign-in = Anmelden
link-invalid = Dieser Link ist ungültig, abgelaufen oder wurde bereits verwendet.
email-confirmed-title = E-Mail-Adresse bestätigt
email-confirmed = Vielen Dank: Ihre Adresse ist bestätigt.

## Passkeys
passkeys-title = Passkeys
passkeys-intro = Mit einem Passkey melden Sie sich per Fingerabdruck, Gesicht oder Geräte-PIN an, ohne Passwort.
passkeys-none = Sie haben noch keine Passkeys.
passkeys-used = Hinzugefügt am { $added }; zuletzt verwendet: { $used }.
passkeys-never = nie
passkeys-rename = Umbenennen
passkeys-remove = Entfernen
passkeys-new-name = Name des neuen Passkeys
passkeys-new-placeholder = z. B. Laptop
passkeys-add = Passkey hinzufügen
passkeys-needs-script = Zum Hinzufügen eines Passkeys brauchen Sie einen Browser, der Passkeys unterstützt, mit eingeschaltetem JavaScript.
passkeys-not-added = Es wurde kein Passkey hinzugefügt. Bitte versuchen Sie es erneut.
passkeys-no-account = Es wurde kein Konto erstellt. Bitte versuchen Sie es erneut.
passkeys-signin-failed = Die Anmeldung mit dem Passkey wurde nicht abgeschlossen. Bitte versuchen Sie es erneut.
passkeys-not-used = Der Passkey wurde nicht verwendet. Bitte versuchen Sie es erneut.
passkeys-registered = Dieser Passkey ist bereits registriert.
passkeys-not-accepted = Dieser Passkey wurde nicht akzeptiert.
passkeys-too-slow = Der Passkey hat zu lange gebraucht. Bitte versuchen Sie es erneut.
passkeys-unreadable = Die Antwort des Passkeys war nicht lesbar. Bitte versuchen Sie es erneut.
passkeys-no-such = Diesen Passkey gibt es nicht.
passkeys-last-way = Dies ist die letzte Möglichkeit, sich bei Ihrem Konto anzumelden. Fügen Sie zuerst eine weitere hinzu.

## Account deletion
delete-title = Konto löschen
delete-warning = Damit wird { $email } endgültig gelöscht: Sie werden überall abgemeldet, die Apps, bei denen Sie sich angemeldet haben, verlieren den Zugriff, Ihr Name, Ihre E-Mail-Adresse und Ihre Geräte werden gelöscht, und Ihr restliches Guthaben verfällt. Das kann nicht rückgängig gemacht werden.
delete-confirm = Ich verstehe, dass mein Konto endgültig gelöscht wird
delete-submit = Mein Konto löschen
delete-tick = Setzen Sie zur Bestätigung das Häkchen.
delete-not-deleted = { $reason } Ihr Konto wurde nicht gelöscht.
delete-sole-owner = Die Organisation „{ $organization }“ hat keinen anderen Eigentümer: Machen Sie zuerst ein anderes Mitglied zum Eigentümer.
delete-done-title = Konto gelöscht
delete-done = Ihr Konto und seine persönlichen Daten sind gelöscht.

## First run
setup-title = mana-auth einrichten
setup-heading = Administrator anlegen
setup-intro = Dieser Link funktioniert nur einmal. Das Konto, das Sie hier anlegen, verwaltet diesen Anbieter.
setup-submit = Administrator anlegen
setup-taken = Ein Konto mit dieser E-Mail-Adresse existiert bereits: Machen Sie es mit `mana-auth user grant-admin` zum Administrator.
setup-used = Dieser Einrichtungslink wurde bereits verwendet.

## Consent
consent-title = Zugriff erlauben
consent-heading = { $client } erlauben?
consent-asks = { $client } möchte:
consent-allow = Erlauben
consent-deny = Ablehnen
scope-openid = Wissen, wer Sie sind
scope-profile = Ihren Namen und Benutzernamen sehen
scope-email = Ihre E-Mail-Adresse sehen
scope-offline-access = Angemeldet bleiben, während Sie nicht da sind
scope-account = Ihr Konto, seine Sitzungen und seine Sicherheitsereignisse sehen
scope-account-write = Ihr Konto, sein Passwort und seine Sitzungen ändern und Sie abmelden
scope-organizations = Ihre Organisationen und deren Mitglieder sehen und verwalten
scope-credits = Ihr Guthaben sehen und ausgeben
scope-upstream-tokens = Ihre Konten bei den anderen Anbietern nutzen, mit denen Sie sich anmelden, so weit Sie es ihnen erlaubt haben

## Devices
device-title = Gerät verbinden
device-intro = Geben Sie den Code ein, den Ihr Gerät anzeigt.
device-invalid = Dieser Code ist ungültig oder abgelaufen. Prüfen Sie den Code auf Ihrem Gerät.
device-connected-title = Gerät verbunden
device-connected = Sie können zu Ihrem Gerät zurückkehren: Es ist angemeldet.
device-denied-title = Anfrage abgelehnt
device-denied = Das Gerät wurde nicht angemeldet.
device-expired = Dieser Code ist abgelaufen oder wurde bereits verwendet. Beginnen Sie auf Ihrem Gerät von vorn.

## Sign-out
logout-title = Abmelden
logout-heading = Abmelden?
logout-intro = Sie werden von mana und von den Anwendungen abgemeldet, bei denen Sie sich damit angemeldet haben.
logout-submit = Abmelden
logged-out-title = Abgemeldet
logged-out-heading = Sie sind abgemeldet
logged-out-close = Sie können dieses Fenster schließen.
logout-client-mismatch = client_id passt nicht zum id_token_hint.
logout-uri-unregistered = Die Weiterleitungsadresse nach dem Abmelden ist für diese Anwendung nicht registriert.
logout-hint-invalid = Die Abmeldeanfrage enthält einen ungültigen id_token_hint.

## Authorization requests
authorize-client-missing = client_id fehlt.
authorize-client-unknown = Diese Anwendung ist nicht registriert.
authorize-client-gone = Diese Anwendung ist nicht mehr registriert.
authorize-redirect-unregistered = Die Weiterleitungsadresse ist für diese Anwendung nicht registriert.
authorize-request-used = Diese Anmeldeanfrage ist abgelaufen oder wurde bereits verwendet. Beginnen Sie in der Anwendung von vorn.
authorize-request-expired = Diese Anmeldeanfrage ist abgelaufen. Beginnen Sie in der Anwendung von vorn.

## Errors
error-refused = Anfrage abgelehnt
error-slow-down = Nicht so schnell
error-unavailable-title = Nicht verfügbar
error-went-wrong = Etwas ist schiefgelaufen
error-not-found-title = Nicht gefunden
error-not-allowed-title = Methode nicht erlaubt
error-gone-title = Nicht mehr gültig
error-not-found = Unter dieser Adresse gibt es keine Seite.
error-not-allowed = Diese Seite nimmt diese Art von Anfrage nicht an.
error-form-expired = Das Formular ist abgelaufen. Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut.
error-throttled = Zu viele Versuche. Versuchen Sie es in { $seconds } Sekunden erneut.
error-unavailable = Der Dienst ist nicht verfügbar. Versuchen Sie es gleich noch einmal.
error-internal = Bei uns ist etwas schiefgelaufen.
error-too-large = Das Formular ist zu groß.
error-media-type = Diese Seite nimmt nur Formulare an.
error-malformed = Das Formular ist unvollständig oder fehlerhaft. Gehen Sie zurück und versuchen Sie es erneut.

## Mails
mail-verify-subject = Bestätigen Sie Ihre E-Mail-Adresse
mail-verify-body =
    Bestätigen Sie, dass { $email } Ihre Adresse ist, indem Sie diesen Link öffnen:

    { $link }

    Falls Sie kein Konto erstellt haben, ignorieren Sie diese Nachricht.
mail-reset-subject = Setzen Sie Ihr Passwort zurück
mail-reset-body =
    Jemand hat darum gebeten, das Passwort des Kontos { $email } zurückzusetzen. Um ein neues zu wählen, öffnen Sie innerhalb von { $minutes } Minuten diesen Link:

    { $link }

    Ein neues Passwort meldet Sie überall ab. Falls Sie nicht darum gebeten haben, ignorieren Sie diese Nachricht; Ihr Passwort bleibt, wie es ist.
mail-signup-attempt-subject = Sie haben bereits ein Konto
mail-signup-attempt-body =
    Jemand hat versucht, mit { $email } ein Konto zu erstellen, doch diese Adresse hat bereits eines. Falls Sie das waren, melden Sie sich unter { $login } an oder setzen Sie Ihr Passwort unter { $forgot } zurück.

    Falls nicht, müssen Sie nichts tun.

## Administration
admin-title = Verwaltung
admin-my-account = Mein Konto
admin-only = Diese Seite ist für Administratoren.
admin-needs-second-factor = Administratoren brauchen die Bestätigung in zwei Schritten oder einen Passkey: Richten Sie zuerst eines davon in Ihrem Konto ein.
admin-counts = { $accounts } Konten, davon { $admins } Administratoren.
admin-users-title = Benutzer
admin-users-search = Nach E-Mail-Adresse, Name oder Benutzername suchen
admin-users-search-submit = Suchen
admin-users-none = Kein Konto passt.
admin-previous = Vorherige Seite
admin-next = Nächste Seite
admin-role = Rolle
admin-role-admin = Administrator
admin-created = Erstellt
admin-created-at = erstellt am { $at }
admin-last-sign-in = Letzte Anmeldung: { $at }
admin-never = nie
admin-code-on = Authenticator-App: eingeschaltet
admin-code-off = Authenticator-App: ausgeschaltet
admin-passkeys = Passkeys: { $count }
admin-credits = Guthaben
admin-balances = { $free } kostenlos, { $paid } bezahlt
admin-organizations = Organisationen
admin-none = Keine.
admin-sessions = Sitzungen und Geräte
admin-no-sessions = Keine aktive Sitzung.
admin-device = Gerät
admin-address = Adresse
admin-signed-in = Angemeldet
admin-last-used = Zuletzt verwendet
admin-end-sessions = Alle Sitzungen beenden
admin-grant = Zum Administrator machen
admin-revoke = Administratorrolle entziehen
admin-disabled = Deaktiviert
admin-disable = Deaktivieren
admin-enable = Aktivieren
admin-disable-admin = Das Konto eines Administrators kann nicht deaktiviert werden: Entziehen Sie zuerst die Administratorrolle.
admin-last-admin = Dies ist der letzte Administrator: Machen Sie zuerst jemand anderen zum Administrator.
admin-events = Sicherheitsereignisse
admin-when = Wann
admin-event = Ereignis
admin-no-such-user = Dieses Konto gibt es nicht.
signin-reauth = Melden Sie sich erneut an, um zur Verwaltung zu gelangen.

## Die Kontoseiten
home-account = Ihr Konto
account-title = Ihr Konto
account-email-verified = bestätigt
account-email-unverified = noch nicht bestätigt
account-profile = Profil
account-save = Speichern
account-security = Anmeldung
account-data = Ihre Daten
account-export = Meine Daten herunterladen (JSON)
account-back = Zurück zu Ihrem Konto
account-wrong-password = Das aktuelle Passwort ist falsch.
account-password-title = Passwort ändern
account-password-intro = Nach der Änderung werden alle anderen Geräte abgemeldet, die bei Ihrem Konto angemeldet sind.
account-current-password = Aktuelles Passwort
account-new-password = Neues Passwort
account-password-submit = Passwort ändern
account-password-changed = Ihr Passwort wurde geändert. { $count ->
    [0] Kein anderes Gerät war angemeldet.
    [one] Ein anderes Gerät wurde abgemeldet.
   *[other] { $count } andere Geräte wurden abgemeldet.
}
account-no-password = Ihr Konto hat kein Passwort: Sie melden sich mit einem Passkey oder einem anderen Anbieter an. Um eines festzulegen, fordern Sie eine E-Mail zum Zurücksetzen des Passworts an.
account-set-password = Passwort per E-Mail festlegen
account-sessions-title = Sitzungen und Geräte
account-sessions-intro = Wo Ihr Konto angemeldet ist. Melden Sie ein Gerät ab, das Sie nicht kennen, und ändern Sie dann Ihr Passwort.
account-actions = Aktionen
account-this-device = dieses Gerät
account-end-session = Abmelden
account-end-others = Alle anderen Geräte abmelden
account-apps-title = Apps mit Zugriff
account-apps-intro = Anwendungen, denen Sie die Nutzung Ihres Kontos erlaubt haben. Wenn Sie den Zugriff entfernen, kann die Anwendung ihre Anmeldung nicht mehr verlängern, und Ihre Zustimmung wird gelöscht; sie fragt Sie beim nächsten Mal erneut.
account-apps-none = Keine Anwendung hat Zugriff auf Ihr Konto.
account-apps-granted = Erlaubt am { $at }:
account-apps-offline = Bleibt angemeldet, während Sie nicht da sind.
account-apps-revoke = Zugriff von { $app } entfernen
account-email = E-Mail-Adresse
account-new-email = Neue E-Mail-Adresse
account-email-hint = Wir senden einen Link an die neue Adresse; Ihr Konto wird auf diese Adresse umgestellt, sobald Sie ihn öffnen.
account-email-submit = E-Mail-Adresse ändern
account-email-title = E-Mail-Adresse
account-email-sent = Wir haben einen Link an { $email } gesendet. Öffnen Sie ihn, um Ihr Konto auf diese Adresse umzustellen; bis dahin bleibt Ihre Adresse, wie sie ist.
account-email-changed = Ihr Konto verwendet jetzt { $email }.
account-email-same = Das ist bereits Ihre Adresse.
account-email-no-password = Ihr Konto hat kein Passwort, mit dem Sie das bestätigen können: Legen Sie zuerst eines fest.
account-email-taken = Diese Adresse gehört inzwischen zu einem anderen Konto; Ihre Adresse bleibt daher, wie sie ist.
mail-change-email-subject = Bestätigen Sie Ihre neue E-Mail-Adresse
mail-change-email-body =
    Jemand möchte sein Konto auf { $email } umstellen. Wenn Sie das waren, öffnen Sie diesen Link innerhalb von { $minutes } Minuten:

    { $link }

    Wenn nicht, ignorieren Sie diese Nachricht; kein Konto wird auf diese Adresse umgestellt.
mail-email-changed-subject = Ihre E-Mail-Adresse wurde geändert
mail-email-changed-body =
    Ihr Konto verwendet { $email } nicht mehr: Es wurde auf eine andere Adresse umgestellt, die von dort bestätigt wurde.

    Wenn Sie das nicht waren, hat jemand, der Ihr Passwort kennt, Ihr Konto umgestellt: Wenden Sie sich an den Betreiber dieses Dienstes.
admin-reset-mfa = Authentifizierungs-App ausschalten
admin-send-reset = E-Mail zum Zurücksetzen des Passworts senden
admin-delete = Konto löschen
admin-delete-type-email = Geben Sie die E-Mail-Adresse des Kontos ein, um es mit seinen Daten endgültig zu löschen
admin-delete-submit = Konto löschen
admin-delete-admin = Das Konto eines Administrators kann hier nicht gelöscht werden: Entziehen Sie zuerst die Administratorrolle.
admin-delete-mismatch = Die eingegebene Adresse ist nicht die dieses Kontos: Es wurde nichts gelöscht.
admin-clients-title = Clients
admin-client-new = Neuer Client
admin-client-id = Client-ID
admin-client-kind = Art
admin-client-source = Herkunft
admin-client-public = öffentlich
admin-client-confidential = vertraulich (mit Geheimnis)
admin-client-public-hint = öffentlich (ohne Geheimnis: Anwendungen im Browser oder auf einem Gerät, mit PKCE)
admin-client-redirect-uris = Weiterleitungs-URIs (eine pro Zeile)
admin-client-logout-uris = Weiterleitungs-URIs nach dem Abmelden (eine pro Zeile)
admin-client-backchannel = Back-Channel-Logout-URI
admin-client-grants = Grant-Typen
admin-client-skip-consent = Zustimmungsseite überspringen (eine eigene Anwendung)
admin-client-alg = Signatur des id_token
admin-client-alg-default = die Voreinstellung des Anbieters
admin-client-alg-unknown = Wählen Sie einen bekannten Signaturalgorithmus.
admin-client-create = Client anlegen
admin-client-declared = Dieser Client ist in der Konfigurationsdatei festgelegt: Ändern Sie ihn dort.
admin-client-invalid = Der Client wurde nicht gespeichert: { $reason }
admin-client-secret-title = Client-Geheimnis
admin-client-secret-for = Das Geheimnis des Clients { $id }:
admin-client-secret-once = Kopieren Sie es jetzt: Es wird nur dieses eine Mal angezeigt. Gespeichert wird nur sein Hashwert.
admin-client-back = Zurück zum Client
admin-client-rotate = Neues Geheimnis
admin-client-delete = Client löschen
admin-client-delete-type-id = Geben Sie die Client-ID ein, um ihn zu löschen; seine Refresh-Tokens werden ungültig und die ihm gegebenen Zustimmungen gelöscht
admin-client-delete-mismatch = Die eingegebene ID ist nicht die dieses Clients: Es wurde nichts gelöscht.
admin-no-such-client = Diesen Client gibt es nicht.
device-browser-on-system = { $browser } unter { $system }
admin-audit-title = Protokoll
admin-audit-user = Konto (E-Mail-Adresse oder ID)
admin-audit-since = Seit
admin-audit-until = Bis
admin-audit-time-hint = Eine Zeitspanne zurück (30m, 24h, 7d) oder ein Zeitpunkt wie 2026-12-01T00:00:00Z.
admin-audit-details = Einzelheiten
admin-audit-refused = Ungültige Suche: { $reason }
admin-audit-newest = Neueste
admin-audit-older = Ältere Ereignisse
admin-keys-title = Signaturschlüssel
admin-keys-state = Zustand
admin-keys-signing-since = Signiert seit
admin-keys-retired = Ausgemustert
admin-keys-rotate = Rotation beginnen
admin-keys-rotate-intro = Veröffentlicht einen nächsten Schlüssel je Algorithmus; er signiert, sobald die Relying Parties ihn abrufen konnten, und der alte Schlüssel bleibt veröffentlicht, bis seine Tokens ablaufen.
admin-keys-emergency = Notfallrotation
admin-keys-emergency-intro = Für einen kompromittierten Schlüssel: Alle Schlüssel werden verworfen, neue signieren sofort. Kein zuvor signiertes Token ist dann mehr gültig; alle melden sich neu an.
admin-keys-emergency-type = Geben Sie { $word } ein, um alle Schlüssel zu verwerfen
admin-keys-emergency-mismatch = Es wurde nichts rotiert: Geben Sie zur Bestätigung { $word } ein.
admin-members = Mitglieder
admin-member-since = Mitglied seit
admin-no-such-organization = Diese Organisation gibt es nicht.
admin-credits-check = Prüfung des Hauptbuchs
admin-credits-balanced = Jede Buchung ist ausgeglichen, und jeder Kontostand entspricht seinen Einträgen.
admin-credits-unbalanced = Die Prüfung des Hauptbuchs hat Probleme gefunden:
admin-credits-grant = Guthaben gutschreiben oder zurücknehmen
admin-credits-amount-label = Guthaben (dem bezahlten Konto gutgeschrieben; negativ: davon abgezogen)
admin-credits-amount = der Betrag muss eine ganze Zahl sein
admin-credits-reason = Grund (wird mit der Buchung und im Protokoll gespeichert)
admin-credits-refused = Es wurde nichts geändert: { $reason }
admin-system-title = System
admin-system-version = mana-auth { $version }
admin-system-schema = Datenbankschema: { $schema }
admin-system-readiness = Bereitschaft
admin-system-ready = Bereit: Dieser Prozess nimmt Anfragen an.
admin-system-not-ready = Nicht bereit: Dieser Prozess beantwortet Bereitschaftsprüfungen mit 503.
admin-system-backups = Sicherungen
admin-system-schedule = Zeitplan: { $schedule }
admin-system-no-schedule = keiner (Sicherungen nur von Hand)
admin-system-backup-file = Datei
admin-system-backup-size = Bytes
admin-system-backup-places = Aufbewahrt in
admin-system-backup-now = Jetzt sichern
admin-system-backup-failed = Es wurde keine Sicherung geschrieben: { $reason }
admin-system-config = Konfiguration
admin-system-config-note = Wie dieser Prozess sie gelesen hat (einschließlich Umgebungsvariablen); jedes Geheimnis erscheint als [redacted].
signin-reauth-account = Melden Sie sich erneut an, um zu bestätigen, dass Sie es sind.
delete-passkey-sign-in = Ihr Konto hat kein Passwort. Um zu bestätigen, dass Sie es sind, melden Sie sich erneut mit Ihrem Passkey oder dem Anbieter an, mit dem Sie sich anmelden; danach haben Sie fünf Minuten Zeit, das Konto zu löschen.
delete-sign-in-link = Erneut anmelden
delete-sign-in-again = Melden Sie sich zuerst erneut an: Ihre Anmeldung ist älter als fünf Minuten.
admin-client-id-reserved = Die ID „new“ gehört zur Seite, die Clients anlegt: Wählen Sie eine andere.
admin-system-last-backup = Letzte geplante Sicherung geschrieben: { $at }
admin-system-backup-failure = Eine geplante Sicherung dieses Prozesses ist um { $at } fehlgeschlagen: Das Log nennt den Grund.

## Anmelden bei einem anderen Identitätsanbieter
upstream-button = Mit { $name } anmelden
upstream-unknown = Diesen Anmeldeanbieter gibt es nicht.
upstream-failed-title = Die Anmeldung mit { $name } hat nicht geklappt
upstream-back = Zurück zur Anmeldung
upstream-unreachable = { $name } ist nicht erreichbar. Versuchen Sie es gleich noch einmal oder melden Sie sich anders an.
upstream-refused = { $name } hat Sie nicht angemeldet.
upstream-invalid = Die Antwort von { $name } konnte nicht angenommen werden. Beginnen Sie noch einmal auf der Anmeldeseite.
upstream-expired = Diese Anmeldung ist schon abgeschlossen, abgelaufen oder wurde in einem anderen Browser begonnen. Beginnen Sie noch einmal auf der Anmeldeseite.
upstream-no-email = { $name } hat uns Ihre E-Mail-Adresse nicht mitgeteilt und kann Sie hier daher nicht anmelden.
upstream-unverified = { $name } hat Ihre E-Mail-Adresse nicht bestätigt und kann Sie hier daher nicht anmelden. Melden Sie sich mit Ihrem Passwort oder Passkey an und verknüpfen Sie { $name } auf Ihrer Kontoseite.
upstream-no-account = Mit Ihrem Konto bei { $name } ist hier kein Konto verknüpft. Melden Sie sich mit Ihrem Passwort oder Passkey an und verknüpfen Sie { $name } auf Ihrer Kontoseite.
upstream-account-disabled = Das Konto, mit dem Ihr Konto bei { $name } verknüpft ist, ist gesperrt.
upstream-sign-in-to-link = Es gibt ein Konto mit dieser E-Mail-Adresse. Melden Sie sich einmal dort an, um Ihr Konto bei { $name } zu verknüpfen; danach meldet { $name } Sie an.
upstream-linked-elsewhere = Dieses Konto bei { $name } ist hier mit einem anderen Konto verknüpft.
upstream-other-linked = Ihr Konto ist schon mit einem anderen Konto bei { $name } verknüpft. Heben Sie diese Verknüpfung zuerst auf.
upstream-last-way = Das ist die letzte Möglichkeit, sich bei Ihrem Konto anzumelden. Legen Sie zuerst ein Passwort fest oder fügen Sie einen Passkey hinzu.
upstream-not-linked = Dieser Anbieter ist nicht mit Ihrem Konto verknüpft.
account-upstreams-title = Andere Anmeldeanbieter
account-upstreams-intro = Konten bei anderen Anbietern, mit denen Sie sich anmelden können. Zum Verknüpfen melden Sie sich dort einmal an.
account-upstream-linked = Verknüpft am { $at }
account-upstream-not-linked = Nicht verknüpft.
account-upstream-gone = Dieser Anbieter wird hier nicht mehr angeboten: Heben Sie die Verknüpfung auf, um sie zu vergessen.
account-upstream-link = { $name } verknüpfen
account-upstream-unlink = Verknüpfung mit { $name } aufheben
onward-title = Einen Moment …
onward-continue = Weiter
admin-upstreams-title = Anmeldeanbieter
admin-upstreams-intro = Die anderen Identitätsanbieter, mit denen man sich anmelden kann: die der Konfigurationsdatei ([[upstreams]]), die dort geändert werden, und die auf diesen Seiten angelegten. Tragen Sie bei jedem Anbieter seine Redirect-URI ein.
admin-upstream-new = Neuer Anmeldeanbieter
admin-upstream-new-intro = Sein Client-Geheimnis wird mit dem Geheimnisschlüssel versiegelt; jeder Prozess bietet ihn binnen cache.upstreams_secs an. Tragen Sie danach die Redirect-URI von seiner Seite beim Anbieter ein.
admin-upstream-id = ID (a-z, 0-9, - und _; Teil der Redirect-URI, nach dem Anlegen fest)
admin-upstream-issuer-hint = oidc: der Aussteller, per Discovery gefunden (nötig). github: die Adresse eines GitHub Enterprise Server, leer für github.com. google: leer lassen. Nach dem Anlegen fest, wie die Art.
admin-upstream-button-name = Name (auf der Schaltfläche: „Anmelden mit …“)
admin-upstream-client-id = Client-ID beim Anbieter
admin-upstream-client-secret = Client-Geheimnis beim Anbieter
admin-upstream-secret-kept = Leer lassen, um das bisherige zu behalten; es wird nie angezeigt.
admin-upstream-api-url = API-Adresse (nur github; leer für api.github.com)
admin-upstream-scopes = Scopes, durch Leerzeichen getrennt (leer: openid email profile, bei GitHub read:user user:email)
admin-upstream-claims = Gelesene Claims (leer: die Vorgaben)
admin-upstream-auto-create = Beim ersten Anmelden ein Konto anlegen, wenn kein Konto die bestätigte Adresse hat
admin-upstream-link-by-email = Sofort mit dem Konto derselben Adresse verknüpfen, wenn beide Seiten sie bestätigt haben (sonst verknüpft dessen Passwort)
admin-upstream-trust-mfa = Den zweiten Faktor des Anbieters für acr_values=mfa gelten lassen
admin-upstream-store-tokens = Sein Zugriffstoken versiegelt aufbewahren, für Anwendungen mit upstream_tokens
admin-upstream-create = Anbieter anlegen
admin-upstream-register = Tragen Sie diese Redirect-URI beim Anbieter ein:
admin-upstream-source-file = Konfigurationsdatei
admin-upstream-source-pages = Verwaltungsseiten
admin-upstream-declared = Dieser Anbieter steht in der Konfigurationsdatei: Ändern Sie ihn dort.
admin-upstream-shadowed = Nicht angeboten: Die Konfigurationsdatei hat einen Anbieter mit dieser ID, der stattdessen gilt.
admin-upstream-invalid = Der Anbieter wurde nicht gespeichert: { $reason }
admin-upstream-kind-unknown = Wählen Sie oidc, github oder google.
admin-upstream-id-reserved = Die ID „new“ gehört der Seite, die Anbieter anlegt: Wählen Sie eine andere.
admin-upstream-delete = Anbieter löschen
admin-upstream-delete-type-id = Geben Sie zum Löschen die ID des Anbieters ein. Jedes darüber verknüpfte Konto wird getrennt; eines, das sich nur dort anmeldete, kommt über das Zurücksetzen des Passworts per E-Mail wieder hinein.
admin-upstream-delete-mismatch = Die eingegebene ID ist nicht die dieses Anbieters: Nichts wurde gelöscht.
admin-no-such-upstream = Diesen Anmeldeanbieter gibt es nicht.
admin-upstream-name = Anbieter
admin-upstream-kind = Art
admin-upstream-issuer = Aussteller
admin-upstream-redirect = Redirect-URI
admin-upstream-settings = Eingeschaltet
admin-upstream-linked = Verknüpfte Konten
