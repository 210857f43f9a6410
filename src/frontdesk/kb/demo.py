"""The demo dance studio's help centre (``frontdesk demo``): categories and articles, most
public and published, a few internal for the staff, one draft waiting to be published."""

from __future__ import annotations

from typing import NamedTuple

from frontdesk.accounts.models import Role, User
from frontdesk.kb.models import Article, Category, Visibility
from frontdesk.kb.services import article_create, article_publish, category_create


class DemoArticle(NamedTuple):
    category: str
    title: str
    body: str
    visibility: str = Visibility.PUBLIC
    publish: bool = True


DEMO_CATEGORIES = (
    ("Booking classes", "booking-classes", "Finding a class, booking, cancelling, waiting lists."),
    ("Passes and refunds", "passes-and-refunds", "Class passes, memberships, payments, refunds."),
    ("Your account", "your-account", "Signing in, your details, your family's accounts."),
    ("Studio rules", "studio-rules", "What to bring, what to wear, and how we look after you."),
    ("For staff", "for-staff", "How the studio runs behind the desk (staff only)."),
)

DEMO_ARTICLES = (
    DemoArticle(
        "Booking classes",
        "How do I book a class?",
        "Choose the class on the **timetable**, then *Book*. Your pass pays for it at once and "
        "the booking appears under *My classes*.\n\n"
        "- Beginners: start with a *Foundations* class of your style.\n"
        "- Book up to **four weeks** ahead.\n"
        "- A full class offers its waiting list instead.\n",
    ),
    DemoArticle(
        "Booking classes",
        "How do I cancel a booking?",
        "Open *My classes* and choose *Cancel*. Cancel at least **24 hours** before the class "
        "and the credit goes back on your pass; later, the class counts as taken.\n\n"
        "Ill on the day? Tell the desk: we waive the rule once a term.",
    ),
    DemoArticle(
        "Booking classes",
        "How does the waiting list work?",
        "When a place frees up, the first person on the list is booked and told by email. If you "
        "are booked less than two hours before the class, you may cancel without losing the "
        "credit.",
    ),
    DemoArticle(
        "Passes and refunds",
        "Which pass should I buy?",
        "| Pass | Classes | Valid for |\n|---|---|---|\n| Drop-in | 1 | 1 month |\n"
        "| 10-class pass | 10 | 4 months |\n| Unlimited | any | 1 month |\n\n"
        "Families of three or more get **10% off** every pass.",
    ),
    DemoArticle(
        "Passes and refunds",
        "Can I get a refund for my class pass?",
        "Yes. A pass is refunded in full within **14 days** of purchase if no class has been "
        "used. After that we refund the unused classes, less a 10% handling fee.\n\n"
        "Ask for a refund by opening a ticket; our bookkeeper confirms the amount within two "
        "working days.",
    ),
    DemoArticle(
        "Passes and refunds",
        "Can I pause my membership?",
        "An unlimited membership can be paused once a year for up to two months, for travel, "
        "illness or injury. Open a ticket with the dates.",
    ),
    DemoArticle(
        "Your account",
        "I forgot my password",
        "Choose *Forgot your password?* on the sign-in page and enter your email address. The "
        "link we send works for one hour.",
    ),
    DemoArticle(
        "Your account",
        "Booking for my children",
        "Add each child under *Profile → Family*. Their classes are booked and paid from your "
        "account, and you get their reminders.",
    ),
    DemoArticle(
        "Studio rules",
        "What should I wear and bring?",
        "Comfortable clothes you can move in, and **clean shoes** worn only indoors (or socks "
        "for contemporary). Bring water; the studio has lockers for your things.",
    ),
    DemoArticle(
        "Studio rules",
        "Arriving late",
        "Doors close **ten minutes** after a class starts, for the warm-up's sake and the "
        "safety of everyone dancing. Arrive ten minutes early to change.",
    ),
    DemoArticle(
        "Studio rules",
        "Lost and found",
        "Things left behind are kept at reception for a month. Ask at the desk or open a ticket "
        "describing what you lost.",
        publish=False,
    ),
    DemoArticle(
        "For staff",
        "Refunds: how to process one",
        "1. Check the pass in the booking system: purchase date, classes used.\n"
        "2. Within 14 days and unused: full refund. Otherwise unused classes less 10%.\n"
        "3. Send the amount to the bookkeeper and set the ticket to *Pending*.\n\n"
        "Use the saved reply **Refund policy** (`/refund`).",
        Visibility.INTERNAL,
    ),
    DemoArticle(
        "For staff",
        "Covering a teacher who is ill",
        "Call the cover list in order (on the staff noticeboard). If nobody can teach, cancel "
        "the class in the booking system: every dancer booked gets the credit back and an "
        "email.",
        Visibility.INTERNAL,
    ),
)


def demo_kb_create() -> str:
    """Add the demo's categories and articles that are missing (by address), written and
    published by the first admin."""
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return "No admin: no help centre."
    categories = {}
    for order, (name, slug, description) in enumerate(DEMO_CATEGORIES):
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            values = {"name": name, "slug": slug, "order": order * 10, "description": description}
            category = category_create(actor=admin, values=values)
        categories[name] = category
    added = 0
    for demo in DEMO_ARTICLES:
        if Article.objects.filter(title=demo.title).exists():
            continue
        article = article_create(
            actor=admin,
            values={
                "title": demo.title,
                "body": demo.body,
                "category": categories[demo.category].pk,
                "visibility": demo.visibility,
            },
        )
        if demo.publish:
            article_publish(actor=admin, article_id=article.pk)
        added += 1
    return f"Added {added} help-centre articles."
