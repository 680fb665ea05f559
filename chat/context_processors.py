from chat.availability import live_chat_available


def live_chat(request):
    return {"live_chat_available": live_chat_available()}
