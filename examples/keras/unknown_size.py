# A model whose width comes from a file: cnncalc reads code, it does not run it.
import json

import keras
from keras import layers

num_classes = json.load(open("config.json"))["classes"]
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, 3, activation="relu"),
    layers.Flatten(),
    layers.Dense(num_classes, activation="softmax"),
])
