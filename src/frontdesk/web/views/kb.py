"""The knowledge base on the pages: the help centre anyone reads (/kb, a category, an article,
"was this helpful?"), the suggestions under a new ticket's title (/kb/suggest), and the staff
pages that write, preview, publish and unpublish articles and arrange categories (/kb/manage).
Rules and permissions: kb/services.py and kb/selectors.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from frontdesk.core.errors import DomainError, InvalidInput, NotAllowed, NotFound, http_status
from frontdesk.kb import images, selectors, services
from frontdesk.kb.models import IMAGE_TYPES, Article, Category, Visibility
from frontdesk.tickets.files import human_size
from frontdesk.web.forms import MessageField, PageForm
from frontdesk.web.pages import (
    FORM_ERRORS,
    current_user,
    friendly_errors,
    page_methods,
    with_form_error,
)

MANAGE = "/kb/manage"
CATEGORIES = "/kb/manage/categories"
SEARCH_MAX = 200
STAFF_LIST_MAX = 200


def _article_url(article: Article) -> str:
    return f"/kb/articles/{article.slug}"


# --- the help centre ----------------------------------------------------------------------


@require_GET
@friendly_errors()
def help_centre_page(request: HttpRequest) -> HttpResponse:
    """Every category with its articles; with ``q``, the articles matching it, best first."""
    query = request.GET.get("q", "")[:SEARCH_MAX].strip()
    context: dict[str, Any] = {"q": query, "staff": selectors.is_staff(request.user)}
    if query:
        context["results"] = selectors.articles_search(user=request.user, text=query)
    else:
        context["shelves"] = selectors.help_centre(user=request.user)
    return render(request, "kb/help_centre.html", context)


@require_GET
@friendly_errors(not_found_message=selectors.CATEGORY_NOT_FOUND)
def category_page(request: HttpRequest, category_slug: str) -> HttpResponse:
    category = selectors.category_get_by_slug(user=request.user, slug=category_slug)
    articles = selectors.category_articles(user=request.user, category=category)
    return render(request, "kb/category.html", {"category": category, "articles": articles})


def _vote_context(request: HttpRequest, article: Article) -> dict[str, Any]:
    return {
        "article": article,
        "my_vote": selectors.vote_of(
            user=request.user, session_key=request.session.session_key, article=article
        ),
        "votes": selectors.article_votes(user=request.user, article=article),
    }


@require_GET
@friendly_errors(not_found_message=selectors.ARTICLE_NOT_FOUND)
def article_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A published article, as readers see it; staff also see the answers' counts."""
    article = selectors.article_get_by_slug(user=request.user, slug=slug)
    context = {**_vote_context(request, article), "staff": selectors.is_staff(request.user)}
    return render(request, "kb/article.html", context)


@require_POST
@friendly_errors(not_found_message=selectors.ARTICLE_NOT_FOUND)
def article_vote(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Was this helpful?": yes or no, once per reader (answering again changes it). An
    anonymous reader's answer is tied to their browser session, started here if need be."""
    article = selectors.article_get_by_slug(user=request.user, slug=slug)
    answer = request.POST.get("helpful", "")
    if answer not in ("yes", "no"):
        return _vote_answer(request, article, InvalidInput(gettext_noop("Answer yes or no.")))
    if not request.user.is_authenticated and request.session.session_key is None:
        request.session.create()  # the anonymous reader's browser session: one answer each
    try:
        services.article_vote(
            actor=request.user,
            session_key=request.session.session_key,
            article_id=article.pk,
            helpful=answer == "yes",
        )
    except (*FORM_ERRORS, NotAllowed) as exc:
        return _vote_answer(request, article, exc)
    return _vote_answer(request, article)


def _vote_answer(
    request: HttpRequest, article: Article, error: Exception | None = None
) -> HttpResponse:
    if not request.htmx:  # type: ignore[attr-defined]
        if error is not None:
            messages.error(request, getattr(error, "message", str(error)))
        else:
            messages.success(request, "Thank you for your answer.")
        return redirect(_article_url(article))
    context = {**_vote_context(request, article), "error": getattr(error, "message", "")}
    status = http_status(error) if isinstance(error, (*FORM_ERRORS, NotAllowed)) else 200
    return render(request, "kb/_vote.html", context, status=status)


@require_GET
@never_cache
def suggestions(request: HttpRequest) -> HttpResponse:
    """Public articles for the title of a ticket being written (the new-ticket form asks as
    the title is typed): a small fragment, empty when nothing matches."""
    title = request.GET.get("title", "")[:SEARCH_MAX]
    found = selectors.articles_suggest(text=title) if title.strip() else []
    return render(request, "kb/_suggestions.html", {"articles": found})


# --- staff: articles ----------------------------------------------------------------------


class ArticleForm(PageForm):
    title = forms.CharField(
        label=_("Title"),
        help_text=format_lazy(
            _("Up to {max} characters: the question a reader would ask."), max=services.TITLE_MAX
        ),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    category = forms.TypedChoiceField(
        label=_("Category"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a category from the list.")},
    )
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=[
            (Visibility.PUBLIC, _("Public")),
            (Visibility.INTERNAL, _("Internal (staff only)")),
        ],
        error_messages={"invalid_choice": _("Choose public or internal.")},
        help_text=_("Public: anyone, in the help centre. Internal: agents and admins only."),
    )
    slug = forms.CharField(
        label=_("Address (optional)"),
        help_text=_(
            "The article's address: lower-case letters, digits and hyphens. Empty: from the title."
        ),
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    body = MessageField(
        label=_("Text"),
        help_text=_(
            "Markdown: **bold**, *italic*, [a link](https://example.com), lists with - or 1., "
            "## headings, tables. Saving keeps it as a draft; readers see it once you publish."
        ),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "data-kb-body": ""}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", gettext("Choose a category")),
            *((c.pk, c.name) for c in selectors.categories_list()),
        ]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data["category"] is None:
            del data["category"]
        return data


class ImageForm(PageForm):
    """The editor's "Add an image": uploaded with the draft's form, so nothing typed is lost."""

    image = forms.FileField(
        label=_("Image"),
        help_text=format_lazy(
            _("PNG, JPEG, GIF or WebP, at most {size}."), size=human_size(images.IMAGE_MAX_BYTES)
        ),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMAGE_TYPES)}),
    )
    alt = forms.CharField(
        label=_("Description (optional)"),
        help_text=_("What the image shows, for readers who cannot see it."),
        required=False,
        max_length=services.ALT_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _initial(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "category": article.category_id,
        "visibility": article.visibility,
        "slug": article.slug,
        "body": article.body,
    }


@require_GET
@never_cache
@login_required
@friendly_errors()
def manage_page(request: HttpRequest) -> HttpResponse:
    """Every article, drafts and internal ones included, with its state and answers."""
    user = current_user(request)
    query = request.GET.get("q", "")[:SEARCH_MAX]
    articles = list(selectors.articles_for_staff(user=user, text=query)[:STAFF_LIST_MAX])
    return render(request, "kb/manage.html", {"articles": articles, "q": query})


def _editor(
    request: HttpRequest,
    *,
    form: ArticleForm,
    article: Article | None,
    preview: str | None = None,
    status: int = 200,
    image_form: ImageForm | None = None,
) -> HttpResponse:
    user = current_user(request)
    context: dict[str, Any] = {
        "form": form,
        "article": article,
        "preview": preview,
        "image_form": image_form or ImageForm(),
    }
    if article is not None:
        context["versions"] = list(selectors.article_versions(user=user, article=article)[:20])
        context["events"] = list(selectors.article_events(user=user, article=article)[:20])
        context["votes"] = selectors.article_votes(user=user, article=article)
        context["images"] = list(selectors.article_images(user=user, article=article))
    return render(request, "kb/editor.html", context, status=status)


def _preview(request: HttpRequest, form: ArticleForm, article: Article | None) -> HttpResponse:
    user = current_user(request)
    try:
        html = services.article_preview(actor=user, body=request.POST.get("body", ""))
    except InvalidInput as exc:
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "kb/_preview.html", {"error": exc.said()}, status=400)
        form.add_domain_error(exc)
        return _editor(request, form=form, article=article, status=400)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "kb/_preview.html", {"preview": html})
    return _editor(request, form=form, article=article, preview=html)


def _with_image(
    request: HttpRequest, article: Article
) -> tuple[ArticleForm, ImageForm, DomainError | None]:
    """Upload the image chosen in the editor, if any, and put its Markdown into the text as
    typed (not saved yet), where the cursor was. Returns the forms to show and the refusal,
    if any."""
    data = request.POST.copy()
    image_form = ImageForm(request.POST, request.FILES)
    if not image_form.is_valid():
        return (
            ArticleForm(data),
            image_form,
            InvalidInput(gettext_noop("Check the image's description.")),
        )
    try:
        image = services.article_image_add(
            actor=current_user(request),
            article_id=article.pk,
            file=image_form.cleaned_data["image"],
            alt=image_form.cleaned_data["alt"],
        )
    except FORM_ERRORS as exc:
        image_form.add_domain_error(exc)
        return ArticleForm(data), image_form, exc
    data["body"] = with_image_at(data.get("body", ""), image.markdown, data.get("cursor", ""))
    return ArticleForm(data), ImageForm(), None


def with_image_at(body: str, markdown: str, cursor: str) -> str:
    """``body`` with the image's Markdown as a paragraph of its own where the writer's cursor
    was (``cursor``: characters before it, line breaks counted once, as kb-editor.js counts
    them), or at the end without one."""
    text = body.replace("\r\n", "\n")
    at = int(cursor) if cursor.isascii() and cursor.isdigit() else None
    if at is None or at >= len(text.rstrip()):
        text = text.rstrip()
        return f"{text}\n\n{markdown}\n" if text else f"{markdown}\n"
    before, after = text[:at].rstrip(" \n"), text[at:].lstrip(" \n")
    return f"{before}\n\n{markdown}\n\n{after}" if before else f"{markdown}\n\n{after}"


def _saved(request: HttpRequest, form: ArticleForm, article: Article | None) -> HttpResponse:
    user = current_user(request)
    action = request.POST.get("action")
    if action == "preview":
        return _preview(request, form, article)
    if article is not None and (action == "image" or request.FILES.get("image")):
        form, image_form, refused = _with_image(request, article)
        if refused is not None:
            editor = _editor(request, form=form, article=article, image_form=image_form)
            return with_form_error(editor, refused)
        if action == "image":
            placed = gettext(
                "Image uploaded; it is in the text where the cursor was. Save the draft to keep it."
            )
            at_end = gettext(
                "Image uploaded; it is at the end of the text. Save the draft to keep it."
            )
            messages.success(request, placed if request.POST.get("cursor") else at_end)
            return _editor(request, form=form, article=article)
    if not form.is_valid():
        return _editor(request, form=form, article=article, status=400)
    try:
        if article is None:
            saved = services.article_create(actor=user, values=form.values())
            done = gettext("Draft of “%(title)s” saved. Publish it when it is ready.") % {
                "title": saved.title
            }
        else:
            saved = services.article_update(actor=user, article_id=article.pk, values=form.values())
            done = gettext("Draft of “%(title)s” saved.") % {"title": saved.title}
    except FORM_ERRORS as exc:
        form.add_domain_error(exc)
        return with_form_error(_editor(request, form=form, article=article), exc)
    messages.success(request, done)
    return redirect(f"{MANAGE}/articles/{saved.pk}")


@page_methods
@never_cache
@login_required
@friendly_errors()
def article_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    selectors.check_writer(user)
    if request.method != "POST":
        return _editor(request, form=ArticleForm(initial={"visibility": "public"}), article=None)
    return _saved(request, ArticleForm(request.POST), None)


@page_methods
@never_cache
@login_required
@friendly_errors(not_found_message=selectors.ARTICLE_NOT_FOUND)
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    """An article's draft to change and preview, its state, versions and history."""
    user = current_user(request)
    selectors.check_writer(user)
    article = selectors.article_get(user=user, article_id=article_id)
    if request.method != "POST":
        return _editor(request, form=ArticleForm(initial=_initial(article)), article=article)
    return _saved(request, ArticleForm(request.POST), article)


@require_GET
@never_cache
@login_required
@friendly_errors(not_found_message=selectors.VERSION_NOT_FOUND)
def version_page(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    """An old version, rendered and compared with the draft, to restore."""
    user = current_user(request)
    selectors.check_writer(user)
    article = selectors.article_get(user=user, article_id=article_id)
    view = selectors.version_view(user=user, article=article, number=number)
    return render(request, "kb/version.html", {"article": article, "view": view})


@require_POST
@never_cache
@login_required
@friendly_errors(not_found_message=selectors.VERSION_NOT_FOUND)
def version_restore(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    user = current_user(request)
    try:
        article = services.article_restore(actor=user, article_id=article_id, number=number)
    except FORM_ERRORS as exc:
        messages.error(request, exc.said())
        return redirect(f"{MANAGE}/articles/{article_id}/versions/{number}")
    messages.success(
        request,
        gettext(
            "Version %(number)s restored as version %(draft)s, the draft. Publish it to show it "
            "to readers."
        )
        % {"number": number, "draft": article.draft_number},
    )
    return redirect(f"{MANAGE}/articles/{article_id}")


@require_POST
@never_cache
@login_required
@friendly_errors(not_found_message=selectors.IMAGE_NOT_FOUND)
def image_remove(request: HttpRequest, image_id: int) -> HttpResponse:
    user = current_user(request)
    image = selectors.image_get(user=user, image_id=image_id)
    try:
        services.article_image_remove(actor=user, image_id=image_id)
    except FORM_ERRORS as exc:
        messages.error(request, exc.said())
    else:
        messages.success(
            request, gettext("Image %(name)s removed.") % {"name": image.original_name}
        )
    return redirect(f"{MANAGE}/articles/{image.article_id}")


@require_GET
def image_file(request: HttpRequest, image_id: int) -> HttpResponseBase:
    """An article's image, for whoever may read the article (kb/selectors.py)."""
    try:
        image = selectors.image_get(user=request.user, image_id=image_id)
        return images.image_response(request, image)
    except (NotFound, FileNotFoundError):
        raise Http404(selectors.IMAGE_NOT_FOUND) from None


@require_POST
@never_cache
@login_required
@friendly_errors(not_found_message=selectors.ARTICLE_NOT_FOUND)
def article_publish(request: HttpRequest, article_id: int) -> HttpResponse:
    user = current_user(request)
    try:
        article = services.article_publish(actor=user, article_id=article_id)
    except FORM_ERRORS as exc:
        messages.error(request, exc.said())
    else:
        messages.success(
            request,
            gettext("“%(title)s” is published (version %(number)s).")
            % {"title": article.title, "number": article.draft_number},
        )
    return redirect(f"{MANAGE}/articles/{article_id}")


@require_POST
@never_cache
@login_required
@friendly_errors(not_found_message=selectors.ARTICLE_NOT_FOUND)
def article_unpublish(request: HttpRequest, article_id: int) -> HttpResponse:
    user = current_user(request)
    try:
        article = services.article_unpublish(actor=user, article_id=article_id)
    except FORM_ERRORS as exc:
        messages.error(request, exc.said())
    else:
        messages.success(
            request,
            gettext("“%(title)s” is no longer in the help centre.") % {"title": article.title},
        )
    return redirect(f"{MANAGE}/articles/{article_id}")


# --- staff: categories --------------------------------------------------------------------


class CategoryForm(PageForm):
    name = forms.CharField(label="Name", required=False)
    slug = forms.CharField(
        label="Address (optional)",
        required=False,
        help_text="Lower-case letters, digits and hyphens: /kb/<address>. Empty: from the name.",
    )
    order = forms.IntegerField(
        label="Order",
        min_value=0,
        max_value=services.ORDER_MAX,
        initial=0,
        help_text="Lower numbers come first in the help centre.",
        error_messages={"invalid": "Give a whole number."},
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        help_text=f"One sentence under the name, up to {services.DESCRIPTION_MAX} characters.",
    )


def _categories(
    request: HttpRequest,
    *,
    form: CategoryForm | None = None,
    category: Category | None = None,
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    may_change = selectors.may_manage_categories(user)
    if form is None and may_change:
        initial = (
            {
                "name": category.name,
                "slug": category.slug,
                "order": category.order,
                "description": category.description,
            }
            if category
            else {"order": 0}
        )
        form = CategoryForm(initial=initial)
    context = {
        "categories": list(selectors.categories_list()),
        "form": form,
        "category": category,
        "may_change": may_change,
    }
    return render(request, "kb/categories.html", context, status=status)


def _category_saved(
    request: HttpRequest, form: CategoryForm, category: Category | None
) -> HttpResponse:
    user = current_user(request)
    if not form.is_valid():
        return _categories(request, form=form, category=category, status=400)
    values = dict(form.cleaned_data)
    try:
        if category is None:
            saved = services.category_create(actor=user, values=values)
        else:
            saved = services.category_update(actor=user, category_id=category.pk, values=values)
    except FORM_ERRORS as exc:
        form.add_domain_error(exc)
        return with_form_error(_categories(request, form=form, category=category), exc)
    messages.success(request, gettext("Category “%(name)s” saved.") % {"name": saved.name})
    return redirect(CATEGORIES)


@page_methods
@never_cache
@login_required
@friendly_errors()
def categories_page(request: HttpRequest) -> HttpResponse:
    """The help centre's categories: admins add and change them, agents read the list."""
    user = current_user(request)
    selectors.check_writer(user)
    if request.method != "POST":
        return _categories(request)
    selectors.check_category_admin(user)
    return _category_saved(request, CategoryForm(request.POST), None)


@page_methods
@never_cache
@login_required
@friendly_errors(not_found_message=selectors.CATEGORY_NOT_FOUND)
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    user = current_user(request)
    selectors.check_category_admin(user)
    category = selectors.category_get(category_id=category_id)
    if request.method != "POST":
        return _categories(request, category=category)
    return _category_saved(request, CategoryForm(request.POST), category)


@require_POST
@never_cache
@login_required
@friendly_errors(not_found_message=selectors.CATEGORY_NOT_FOUND)
def category_delete(request: HttpRequest, category_id: int) -> HttpResponse:
    user = current_user(request)
    name = selectors.category_get(category_id=category_id).name
    try:
        services.category_delete(actor=user, category_id=category_id)
    except FORM_ERRORS as exc:
        messages.error(request, exc.said())
    else:
        messages.success(request, gettext("Category “%(name)s” deleted.") % {"name": name})
    return redirect(CATEGORIES)
