"""SupportMe's data.db layout: the seed's table creation commands and its System account, word
for word (the PDF's line break inside "/profile-icons/admin.png" undone).

The importer reads files of this shape (``source.py`` checks their tables and columns); tests
and benchmarks create them with this script.
"""

SEED_SCHEMA = """
CREATE TABLE "User" (
    "userID" INTEGER,
    "username" TEXT,
    "password" TEXT,
    "createdAt" INTEGER,
    "accountType" INTEGER,
    "profileIcon" TEXT,
    "email" TEXT,
    PRIMARY KEY("userID" AUTOINCREMENT)
);
CREATE TABLE "Ticket" (
    "ticketID" INTEGER,
    "customerID" INTEGER,
    "assistantID" INTEGER,
    "openedAt" INTEGER,
    "closedAt" INTEGER,
    "title" TEXT,
    FOREIGN KEY("customerID") REFERENCES "User"("userID"),
    FOREIGN KEY("assistantID") REFERENCES "User"("userID"),
    PRIMARY KEY("ticketID" AUTOINCREMENT)
);
CREATE TABLE "Message" (
    "messageID" INTEGER,
    "ticketID" INTEGER,
    "authorID" INTEGER,
    "body" TEXT,
    "sentAt" INTEGER,
    FOREIGN KEY("ticketID") REFERENCES "Ticket"("ticketID"),
    FOREIGN KEY("authorID") REFERENCES "User"("userID"),
    PRIMARY KEY("messageID" AUTOINCREMENT)
);
INSERT INTO "User"
("userID", "username", "password", "createdAt", "accountType",
"profileIcon", "email")
VALUES
(0, "System", "securepassword", 0, 2, "/profile-icons/admin.png", "Ed_Snowden@lavabit.com");
"""
