"""What ``frontdesk demo`` writes about: a dance studio's people, places and problems, the
templates its conversations are made from, and how its tickets are spread over statuses,
priorities, categories and channels. The story logic is in ``frontdesk.tickets.demo``.

Templates may name {studio}, {style}, {day}, {month} and {number}; message templates also
{name}, the requester's username.
"""

from __future__ import annotations

from decimal import Decimal

from frontdesk.tickets.models import Category, Channel, Priority, Status

# --- vocabulary ---------------------------------------------------------------------------

# fmt: off
FIRST_NAMES = (
    "Amelia", "Ava", "Carlos", "Chloe", "Daniel", "Elena", "Ethan", "Fatima", "Grace", "Hannah",
    "Hugo", "Isla", "Jack", "Jonas", "Kai", "Leila", "Liam", "Lucia", "Maya", "Mateo", "Mia",
    "Noah", "Nora", "Oliver", "Omar", "Priya", "Rosa", "Ruby", "Sam", "Sofia", "Theo",
    "Valentina", "Yusuf", "Zara", "Aisha", "Ben", "Clara", "Diego", "Emma", "Felix", "Gabriel",
    "Ines", "Jade", "Kenji", "Lara", "Marco", "Nina", "Oscar", "Paula", "Quinn", "Rafael", "Sara",
    "Tomas", "Una", "Victor", "Wendy", "Xavier", "Yara", "Zoe",
)
LAST_NAMES = (
    "Garcia", "Smith", "Novak", "Rossi", "Silva", "Kim", "Patel", "Muller", "Jones", "Costa",
    "Dubois", "Nowak", "Ivanova", "Haddad", "Okafor", "Tanaka", "Lopez", "Brown", "Fischer",
    "Moreau", "Santos", "Eriksen", "Kowalski", "Nguyen", "Murphy", "Bianchi", "Almeida",
    "Schmidt", "Walsh", "Herrera", "Larsen", "Romano", "Becker", "Mendes", "Khan", "Adeyemi",
    "Sato", "Petrov", "Ortiz",
)
ORGANISATION_WORDS = (
    "Velvet", "Rhythm", "Harbour", "Northside", "Golden", "Midnight", "Silver", "Riverside",
    "Crimson", "Little", "Royal", "Urban", "Willow", "Starlight", "Cedar", "Electric", "Bluebird",
    "Copper", "Meadow", "Summit",
)
# fmt: on
ORGANISATION_KINDS = (
    "Dance School",
    "Ballet Academy",
    "Salsa Club",
    "Tango Society",
    "Swing Collective",
    "Dance Company",
    "Hip Hop Crew",
    "Performing Arts College",
    "Events Ltd",
    "Fitness Studio",
)
STUDIOS = ("Studio 1", "Studio 2", "Studio 3", "Studio 4", "the main hall")
STYLES = ("Salsa", "Ballet", "Tango", "Hip Hop", "Contemporary", "Jazz", "Tap", "Zumba", "Swing")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "March", "April", "June", "September", "October", "November", "December")

# Titles as people write them (the domain's rule: any printable text up to 200 characters),
# punctuation and symbols included.
TITLES: dict[str, tuple[str, ...]] = {
    Category.TECHNICAL: (
        "Website timetable shows old classes",
        "Booking confirmation email shows the wrong time",
        "Door entry code for {studio} not working",
        "Screen in {studio} will not connect to my laptop",
        "Live stream of the {day} {style} class keeps buffering",
    ),
    Category.BILLING: (
        "Double charged for my {month} membership",
        "Invoice {number} shows the wrong amount",
        "Direct debit failed for {month}",
        "Refund for the cancelled {style} workshop",
        "Student discount not applied at checkout",
        "Refund for 10-class pass \u2013 €80",
        "Invoice #{number}: why is VAT charged twice?",
    ),
    Category.PRODUCT: (
        "How do class passes work for {style}",
        "Can I freeze my membership over the summer",
        "Private lesson booking for {style}",
        "Studio hire for a {style} rehearsal",
        "Waiting list for {style} beginners",
        "Can't book Friday's class?",
        "Kids' {style} (ages 6\u20139): is there a trial lesson?",
    ),
    Category.FEATURE_REQUEST: (
        "Calendar export for my booked classes",
        "Please add a dark mode to the booking app",
        "Reminder the day before a {style} class",
        "Let me book a friend into the {day} class",
        "Show the teacher name on the timetable",
    ),
    Category.BUG: (
        "App crashes when I open the timetable",
        "Booking button does nothing on {day} classes",
        "Notifications arrive twice on my phone",
        "Class pass {number} not showing in the app",
        "Timetable shows {style} in the wrong studio",
    ),
    Category.ACCOUNT: (
        "Cannot log in to the booking app",
        "Password reset email never arrives",
        "Change the email address on my account",
        "Merge my two accounts please",
        "Cannot upload my profile picture",
    ),
    Category.GENERAL: (
        "Heating not working in {studio}",
        "Fans not working in {studio}",
        "Sound system crackling in {studio}",
        "Broken mirror in {studio}",
        "Floor is slippery in {studio}",
        "Lights flicker in {studio}",
        "{studio}: mirror cracked (again!)",
    ),
    Category.OTHER: (
        "Lost property from the {day} {style} class",
        "Locker {number} key is missing",
        "Parking permit for evening classes",
        "Gift card {number} not accepted",
        "Photos from the {month} showcase",
    ),
}
GREETINGS = ("Hi,", "Hello,", "Hi there,", "Good morning,", "Hello team,")
DETAILS = (
    "It started on {day} evening.",
    "This is the second time this month.",
    "I tried again this morning with the same result.",
    "A friend from my {style} class has the same problem.",
    "I am a member since last year and this never happened before.",
    "Reception said I should write here.",
    "I tried on my phone and on my laptop.",
)
ASKS = (
    "Could you help?",
    "Can someone look into this please?",
    "Thanks in advance!",
    "Please let me know what to do.",
    "Is there anything I can do in the meantime?",
)
# Some customers write at length: three paragraphs between the greeting and the question,
# with a link. Together they make a message of well over 512 characters.
LONG_SHARE = 0.25  # of opening messages, and of agents' first answers
LONG_DETAILS = (
    "Some background: I've been coming to the {style} classes since {month}, usually on "
    "{day}s in {studio}. Until now everything worked well, and I've recommended you to two "
    "friends who joined in the autumn.",
    "I checked the help page first (https://studio.example/help/bookings) and followed the "
    "steps there, but nothing changed. I also cleared the app's data and signed in again, "
    "just in case.",
    "My membership number is {number}, in case that helps. I'm usually free to talk after "
    "6 pm, or you can reach me here; either is fine.",
    "It isn't the end of the world, but the {day} class is the only one that fits around my "
    "work, so I'd really like to sort it out before next week if at all possible.",
)
AGENT_LONG_ANSWERS = (
    "Thank you for the detailed message, {name}, and sorry for the trouble.\n\n"
    "Here is what I have done so far: I checked your bookings and payments for the last "
    "three months, and everything looks correct on our side except the entry you describe. "
    "I have asked our booking system's support to look at it as well, and I've added a note "
    "to your account so that reception knows about it too.\n\n"
    "In the meantime you can book from the timetable page "
    "(https://studio.example/timetable) or at reception; either way your place is kept. "
    "I'll write again here as soon as I hear back, at the latest by tomorrow evening.",
    "Thanks for getting in touch, {name}.\n\n"
    "I'm sorry this happened. Our records show the change came through on our side, but "
    "the confirmation wasn't sent, which is why it looked as if nothing had happened. I have "
    "now corrected it by hand and re-sent the confirmation to your email address.\n\n"
    "For the future: you can see all your bookings, passes and invoices at "
    "https://studio.example/account, and the FAQ at https://studio.example/help answers the "
    "most common questions about passes, refunds and freezing a membership. Let me know if "
    "anything still looks wrong!",
)
AGENT_ANSWERS = (
    "Thanks for letting us know, {name}. I am looking into it now.",
    "Sorry about that! Could you tell me which device and app version you use?",
    "I have passed this to our facilities team; they will check it today.",
    "Thanks {name}, I can see the problem on our side and I am on it.",
    "Sorry for the trouble. I have checked your account and will get back to you shortly.",
)
AGENT_QUESTIONS = (
    "Could you send us the email address you booked with?",
    "Could you send a screenshot of the error, please?",
    "Which class and which day was this, {name}?",
    "Could you check whether the app is up to date and try once more?",
)
AGENT_FIXES = (
    "This is fixed now. Please try again and let us know if anything is still wrong.",
    "We have refunded the difference; it will show on your statement in 3 to 5 days.",
    "The engineer has been and everything works again. Sorry for the wait!",
    "I have updated your account; you should see the change after signing in again.",
    "Our developers released a fix this morning. Updating the app should solve it.",
)
# What agents write as a ticket's resolution when resolving it: most for the customer to
# read, a few kept for the team (staff-only).
RESOLUTIONS = (
    "Cleared the website's cached timetable; it shows the {month} classes again.",
    "Refunded the double charge (payment reference {number}). It shows on the statement in "
    "3 to 5 days.",
    "The heating engineer replaced a faulty valve in {studio}. The room is warm again.",
    "Re-sent the booking confirmation with the right time for the {day} {style} class.",
    "Reset the account's password and checked together that signing in works again.",
    "Fixed in app version 2.4: bookings go through again after updating the app.",
    "Replaced the fuse in the {studio} amplifier.\nChecked the sound in the other studios "
    "too: all fine.",
)
STAFF_RESOLUTIONS = (
    "Goodwill refund approved by the studio manager; not something we offer as standard.",
    "Same cause as ticket {number}, fixed there.",
    "Our mistake in the {month} price list, corrected; no announcement planned.",
)
RESOLUTION_SHARE = 0.75  # resolved tickets that get a resolution written
STAFF_ONLY_RESOLUTION_SHARE = 0.1  # of those, kept for the team
CUSTOMER_FOLLOW_UPS = (
    "Thank you, that would be great.",
    "It is still happening today, unfortunately.",
    "I use the app on an Android phone, version 2.3.",
    "It was the {day} {style} class at 7pm.",
    "Any news on this? It is a bit urgent for me.",
)
CUSTOMER_THANKS = (
    "Works now, thank you so much!",
    "Perfect, thanks for the quick help.",
    "All good now. See you in class!",
    "Great, thank you {name}.",
)
CUSTOMER_AGAIN = (
    "Sorry, it happened again today.",
    "I am afraid the problem is back since yesterday.",
    "It worked for a few days but now it is broken again.",
)
INTERNAL_NOTES = (
    "Checked the payment logs: the charge went through twice.",
    "Facilities job raised with the landlord, reference {number}.",
    "Known issue in app version 2.3, fixed in the next release.",
    "Long-standing member, let us be generous here.",
    "Asked the {style} teacher to confirm the class times.",
)
TAG_NAMES = (
    "booking",
    "payments",
    "refund",
    "app",
    "website",
    "login",
    "facilities",
    "heating",
    "sound",
    "studio-hire",
    "membership",
    "timetable",
    "vip",
    "follow-up",
    "waiting-on-customer",
    "known-issue",
)

# --- how tickets are distributed ----------------------------------------------------------

STATUS_WEIGHTS = {
    Status.NEW: 6,
    Status.OPEN: 10,
    Status.IN_PROGRESS: 9,
    Status.PENDING: 7,
    Status.RESOLVED: 15,
    Status.CLOSED: 48,
    Status.REOPENED: 5,
}
# How old a ticket in each status can be: work in progress is recent, closed work spans a year.
STATUS_MAX_AGE_DAYS = {
    Status.NEW: 5,
    Status.OPEN: 21,
    Status.IN_PROGRESS: 30,
    Status.PENDING: 30,
    Status.REOPENED: 45,
    Status.RESOLVED: 60,
    Status.CLOSED: 365,
}
PRIORITY_WEIGHTS = {
    Priority.LOW: 25,
    Priority.MEDIUM: 40,
    Priority.HIGH: 20,
    Priority.URGENT: 10,
    Priority.CRITICAL: 5,
}
# Response targets, and how soon (in minutes) an agent claims a ticket of that priority.
DUE_HOURS = {
    Priority.LOW: 120,
    Priority.MEDIUM: 72,
    Priority.HIGH: 24,
    Priority.URGENT: 8,
    Priority.CRITICAL: 4,
}
CLAIM_MINUTES = {
    Priority.LOW: (120, 2880),
    Priority.MEDIUM: (30, 720),
    Priority.HIGH: (15, 240),
    Priority.URGENT: (5, 60),
    Priority.CRITICAL: (2, 30),
}
CATEGORY_WEIGHTS = {
    Category.TECHNICAL: 12,
    Category.BILLING: 16,
    Category.PRODUCT: 10,
    Category.FEATURE_REQUEST: 7,
    Category.BUG: 12,
    Category.ACCOUNT: 13,
    Category.GENERAL: 22,
    Category.OTHER: 8,
}
CHANNEL_WEIGHTS = {Channel.WEB: 70, Channel.EMAIL: 25, Channel.API: 5}
ESTIMATES = (Decimal("0.50"), Decimal("1.00"), Decimal("2.00"), Decimal("4.00"), Decimal("8.00"))
