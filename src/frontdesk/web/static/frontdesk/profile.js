// Live preview of the chosen profile picture. The page works without it: the choice is a
// plain radio group and is saved by the form.
document.querySelectorAll('input[name="profile_icon"]').forEach((radio) => {
  radio.addEventListener("change", () => {
    document.getElementById("icon-preview").src = radio.dataset.src;
  });
});
