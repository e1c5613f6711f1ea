// Runs before the page is drawn: styles for the scripted page (a drawer, floating toasts) apply at once.
document.documentElement.classList.add("js");
